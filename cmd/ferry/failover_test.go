package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
)

// foLab is four fresh ferry nodes: alice reaches dave via bob, and via
// carol when that fails (ferry-via-alt), waiting foWait for a receipt;
// dave answers over carol. Packets move by xfer trips (a USB stick per
// hop), so a node that "never answers" is one nobody carries anything
// to or from.
type foLab struct {
	dir  string
	ids  map[string]string
	nncp map[string]bool // nodes run by the real NNCP instead
}

// foWait is alice's ferry-failover for dave: short and real, so the test
// waits it out once (a second, bounded) instead of faking the clock of
// separate processes.
const foWait = time.Second

func newFoLab(t *testing.T) *foLab {
	t.Helper()
	l := &foLab{dir: t.TempDir(), ids: map[string]string{}, nncp: map[string]bool{}}
	nodes := []string{"alice", "bob", "carol", "dave"}
	for _, n := range nodes {
		r := l.run(t, nil, n, "cfgnew", "--spool", l.path(n, "spool"), "--log", l.path(n, "log"))
		if err := os.WriteFile(l.cfg(n), r.stdout, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := cfg.Load(l.cfg(n))
		if err != nil {
			t.Fatal(err)
		}
		l.ids[n] = c.Self.ID.String()
		mustMkdirAll(t, l.path(n, "incoming"))
		mustMkdirAll(t, l.path(n, "spool")) // NNCP does not make it
	}
	handler := l.path("dave", "handler.sh")
	mustWrite(t, handler, []byte("#!/bin/sh\n/bin/cat >> "+l.path("dave", "runs")+"\n"), 0o755)
	// Who knows whom, and how: only alice and dave have routes.
	add := func(n, peer string, opts ...string) {
		card := l.run(t, nil, peer, "neigh", "export", "--name", peer).stdout
		l.run(t, card, n, append([]string{"neigh", "add", peer, "-"}, opts...)...)
	}
	add("alice", "bob")
	add("alice", "carol")
	add("alice", "dave", "--via", "bob")
	l.set(t, "alice", "dave", `ferry: true`, `ferry-via-alt: [["carol"]]`, `ferry-failover: "`+foWait.String()+`"`)
	for _, relay := range []string{"bob", "carol"} {
		add(relay, "alice")
		add(relay, "dave")
	}
	add("dave", "bob")
	add("dave", "carol")
	add("dave", "alice", "--via", "carol", "--incoming", l.path("dave", "incoming"), "--exec", "log="+handler)
	l.set(t, "dave", "alice", `ferry: true`)
	return l
}

func (l *foLab) path(p ...string) string { return filepath.Join(append([]string{l.dir}, p...)...) }
func (l *foLab) cfg(n string) string     { return l.path(n + ".hjson") }

// run runs a ferry command as node n and fails the test unless it exits 0.
func (l *foLab) run(t *testing.T, stdin []byte, n string, args ...string) result {
	t.Helper()
	r := ferry(t, stdin, append([]string{args[0], "--cfg", l.cfg(n), "--quiet"}, args[1:]...)...)
	if r.code != 0 {
		t.Fatalf("ferry %v as %s: exit %d\n%s", args, n, r.code, r.stderr)
	}
	return r
}

// set adds ferry's own keys to n's entry for peer (neigh set has no
// flags for them).
func (l *foLab) set(t *testing.T, n, peer string, keys ...string) {
	t.Helper()
	b, err := os.ReadFile(l.cfg(n))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^( *)id: ` + l.ids[peer] + `$`)
	if len(re.FindAllIndex(b, -1)) != 1 {
		t.Fatalf("%s's config has no single entry for %s", n, peer)
	}
	s := re.ReplaceAllString(string(b), "${1}id: "+l.ids[peer]+"\n${1}"+strings.Join(keys, "\n${1}"))
	if err := os.WriteFile(l.cfg(n), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// trip carries what from has queued for to on a fresh stick, and lets to
// toss it.
func (l *foLab) trip(t *testing.T, from, to string) {
	t.Helper()
	medium := l.path("stick", from+"-"+to+"-"+time.Now().Format("150405.000000000"))
	mustMkdirAll(t, medium)
	if l.nncp[from] {
		l.nncpRun(t, from, "nncp-xfer", "-mkdir", "-tx", "-node", to, medium)
	} else {
		l.run(t, nil, from, "xfer", "--mkdir", "--tx", "--node", to, medium)
	}
	if l.nncp[to] {
		l.nncpRun(t, to, "nncp-xfer", "-rx", "-node", from, medium)
		l.nncpRun(t, to, "nncp-toss")
		return
	}
	l.run(t, nil, to, "xfer", "--rx", "--node", from, medium)
	l.run(t, nil, to, "toss")
}

func (l *foLab) nncpRun(t *testing.T, n, tool string, args ...string) {
	t.Helper()
	out, err := exec.Command(tool, append([]string{"-cfg", l.cfg(n), "-quiet"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v as %s: %v\n%s", tool, args, n, err, out)
	}
}

// queued counts the packets from has queued for to.
func (l *foLab) queued(from, to string) int {
	ents, _ := os.ReadDir(l.path(from, "spool", l.ids[to], "tx"))
	n := 0
	for _, e := range ents {
		if len(e.Name()) == 52 && e.Type().IsRegular() {
			n++
		}
	}
	return n
}

type foRow struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	Route        []string  `json:"route"`
	Hop          string    `json:"hop"`
	Done         string    `json:"done"`
	DeliveredVia *[]string `json:"delivered_via"`
	Failover     *struct {
		Current int  `json:"current"`
		Kept    bool `json:"kept"`
		Copies  []struct {
			Queue     string `json:"queue"`
			Sent      string `json:"sent"`
			Withdrawn bool   `json:"withdrawn"`
		} `json:"copies"`
	} `json:"failover"`
}

func (l *foLab) track(t *testing.T, ids ...string) []foRow {
	t.Helper()
	r := l.run(t, nil, "alice", append([]string{"track", "--json"}, ids...)...)
	var rows []foRow
	if err := json.Unmarshal(r.stdout, &rows); err != nil {
		t.Fatalf("track --json: %v\n%s", err, r.stdout)
	}
	if len(rows) != len(ids) {
		t.Fatalf("track shows %d messages, want %d", len(rows), len(ids))
	}
	return rows
}

// send queues a file and a command for dave and waits out the failover
// time from when both were queued.
func (l *foLab) send(t *testing.T) (file, cmd string) {
	t.Helper()
	mustWrite(t, l.path("report.txt"), []byte("report for dave\n"), 0o644)
	file = printedID(t, l.run(t, nil, "alice", "file", "--print-id", l.path("report.txt"), "dave:report.txt"))
	cmd = printedID(t, l.run(t, []byte("one line\n"), "alice", "exec", "--print-id", "dave", "log"))
	if l.queued("alice", "bob") != 2 || l.queued("alice", "carol") != 0 {
		t.Fatalf("queued for bob %d, for carol %d; want both messages for bob", l.queued("alice", "bob"), l.queued("alice", "carol"))
	}
	kept, _ := os.ReadDir(l.path("alice", "spool", l.ids["dave"], "tx", "ferry-keep"))
	if len(kept) != 2 {
		t.Fatalf("%d inner packets kept, want 2", len(kept))
	}
	time.Sleep(foWait)
	return file, cmd
}

// overCarol carries everything over carol's route to dave and the
// receipts back to alice.
func (l *foLab) overCarol(t *testing.T) {
	t.Helper()
	l.trip(t, "alice", "carol")
	l.trip(t, "carol", "dave")
	l.trip(t, "dave", "carol")
	l.trip(t, "carol", "alice")
}

// arrivedOnce checks that dave has the file once and ran the command once.
func (l *foLab) arrivedOnce(t *testing.T) {
	t.Helper()
	ents, _ := os.ReadDir(l.path("dave", "incoming"))
	if len(ents) != 1 || ents[0].Name() != "report.txt" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("dave's incoming holds %v, want report.txt once", names)
	}
	if runs, err := os.ReadFile(l.path("dave", "runs")); err != nil || string(runs) != "one line\n" {
		t.Errorf("the command's runs: %q (%v), want one", runs, err)
	}
}

func (l *foLab) deliveredOverCarol(t *testing.T, rows []foRow) {
	t.Helper()
	for _, row := range rows {
		if row.State != "delivered" || row.DeliveredVia == nil || strings.Join(*row.DeliveredVia, ",") != "carol" {
			t.Errorf("%s: state %s, delivered via %v; want delivered via carol", row.ID, row.State, row.DeliveredVia)
		}
		if row.Failover == nil || row.Failover.Kept || len(row.Failover.Copies) != 2 {
			t.Errorf("%s: failover %+v, want two copies and nothing kept", row.ID, row.Failover)
		}
	}
	if kept, _ := os.ReadDir(l.path("alice", "spool", l.ids["dave"], "tx", "ferry-keep")); len(kept) != 0 {
		t.Errorf("%d inner packets still kept after delivery", len(kept))
	}
}

// TestFailoverFourNodes: bob never answers. After the failover time
// alice's next ferry track re-wraps both messages for carol's route and
// withdraws bob's copies; they arrive once, and ferry track (and
// --json) says carol's route delivered them.
func TestFailoverFourNodes(t *testing.T) {
	t.Parallel()
	l := newFoLab(t)
	file, cmd := l.send(t)
	rows := l.track(t, file, cmd)
	for _, row := range rows {
		if row.State != "queued" || strings.Join(row.Route, ",") != "carol,dave" || row.Failover == nil ||
			row.Failover.Current != 1 || !row.Failover.Copies[0].Withdrawn {
			t.Fatalf("after the failover time: %+v, want queued over carol, bob's copy withdrawn", row)
		}
	}
	if l.queued("alice", "bob") != 0 || l.queued("alice", "carol") != 2 {
		t.Fatalf("after failover: %d queued for bob, %d for carol; want 0 and 2", l.queued("alice", "bob"), l.queued("alice", "carol"))
	}
	l.overCarol(t)
	l.arrivedOnce(t)
	l.deliveredOverCarol(t, l.track(t, file, cmd))
	if n := l.keptStat(t); n != 0 {
		t.Errorf("stat counts %d kept after delivery", n)
	}
	// The text listing names the route too.
	out := string(l.run(t, nil, "alice", "track", file).stdout)
	if !strings.Contains(out, "ROUTE") || !regexp.MustCompile(file+` +dave +file +delivered +\S+ +xfer to carol +carol`).MatchString(out) {
		t.Errorf("ferry track:\n%s", out)
	}
}

// TestFailoverFirstRouteWakesUp: bob took alice's copies but sat on
// them past the failover time; carol's route delivers; then bob wakes
// up and hands dave his copies too. Dave takes them as duplicates: the
// file is there once, the command ran once, and alice's records stay
// settled as they were.
func TestFailoverFirstRouteWakesUp(t *testing.T) {
	t.Parallel()
	l := newFoLab(t)
	file, cmd := l.send(t)
	l.trip(t, "alice", "bob") // bob takes the copies and never moves them on (yet)
	if l.queued("bob", "dave") != 2 {
		t.Fatalf("bob holds %d packets for dave, want 2", l.queued("bob", "dave"))
	}
	for _, row := range l.track(t, file, cmd) {
		if strings.Join(row.Route, ",") != "carol,dave" || row.Failover.Copies[0].Withdrawn || row.Failover.Copies[0].Sent == "" {
			t.Fatalf("after the failover time: %+v, want re-wrapped over carol, bob's copy sent", row)
		}
	}
	l.overCarol(t)
	l.arrivedOnce(t)
	before := l.track(t, file, cmd)
	l.deliveredOverCarol(t, before)

	l.trip(t, "bob", "dave") // bob wakes up
	l.arrivedOnce(t)
	if n := l.queued("dave", "carol"); n != 0 {
		t.Errorf("dave queued %d packets (receipts for the duplicates?), want none", n)
	}
	if rx, _ := os.ReadDir(l.path("dave", "spool", l.ids["bob"], "rx")); len(rx) > 0 {
		for _, e := range rx {
			if len(e.Name()) == 52 {
				t.Errorf("dave left bob's copy %s in rx", e.Name())
			}
		}
	}
	after := l.track(t, file, cmd)
	for i := range after {
		if after[i].State != "delivered" || after[i].Done != before[i].Done {
			t.Errorf("%s changed after the late copy: %+v, was %+v", after[i].ID, after[i], before[i])
		}
	}
}

// keptStat is what ferry stat --json says alice keeps for dave.
func (l *foLab) keptStat(t *testing.T) int {
	t.Helper()
	var stats []struct {
		Node string `json:"node"`
		Kept int    `json:"kept"`
	}
	if err := json.Unmarshal(l.run(t, nil, "alice", "stat", "--json", "--node", "dave").stdout, &stats); err != nil || len(stats) != 1 {
		t.Fatalf("stat --json: %v %+v", err, stats)
	}
	return stats[0].Kept
}

// TestFailoverAfterRm: a message whose packet was removed here (ferry
// rm) is not sent again over the next route; its kept packet goes.
func TestFailoverAfterRm(t *testing.T) {
	t.Parallel()
	l := newFoLab(t)
	if n := l.keptStat(t); n != 0 {
		t.Fatalf("stat counts %d kept before anything was sent", n)
	}
	file, cmd := l.send(t)
	if n := l.keptStat(t); n != 2 {
		t.Fatalf("stat counts %d kept, want 2", n)
	}
	l.run(t, nil, "alice", "rm", "--node", "bob", "--tx")
	for _, row := range l.track(t, file, cmd) {
		if strings.Join(row.Route, ",") != "bob,dave" || row.Failover.Kept || len(row.Failover.Copies) != 1 {
			t.Errorf("a removed message failed over: %+v", row)
		}
	}
	if l.queued("alice", "carol") != 0 || l.keptStat(t) != 0 {
		t.Errorf("after rm: %d queued for carol, %d kept; want none", l.queued("alice", "carol"), l.keptStat(t))
	}
}

// TestFailoverOverNNCPRelay: the alternative route's relay is the real
// NNCP, which neither knows nor reads ferry's keys: it carries the
// re-wrapped copy to dave and dave's receipt back like any packets.
func TestFailoverOverNNCPRelay(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-xfer")
	needNNCP(t, "nncp-toss")
	l := newFoLab(t)
	l.nncp["carol"] = true
	file, cmd := l.send(t)
	l.track(t, file, cmd) // the failover pass
	l.overCarol(t)
	l.arrivedOnce(t)
	l.deliveredOverCarol(t, l.track(t, file, cmd))
}
