package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// markFerry adds neigh.NAME.ferry: true for each node of names in n's
// config: n then sends those nodes receipts with reasons.
func (l *netLab) markFerry(t *testing.T, n string, names ...string) {
	t.Helper()
	b, err := os.ReadFile(l.cfg(n))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, name := range names {
		re := regexp.MustCompile(`(?m)^(      id: ` + l.ids[name] + `)$`)
		if !re.MatchString(s) {
			t.Fatalf("%s's config has no neigh entry for %s", n, name)
		}
		s = re.ReplaceAllString(s, "$1\n      ferry: true")
	}
	if err := os.WriteFile(l.cfg(n), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// xferHop moves what from has queued to the medium, and the medium into
// to, then lets to toss it: one trip of a USB stick. A toss that refused
// a packet exits 1; the test looks at what it refused elsewhere.
func (l *netLab) xferHop(t *testing.T, from, to string) {
	t.Helper()
	medium := l.path("medium-" + from + "-" + to)
	os.MkdirAll(medium, 0o755)
	l.ferry(t, from, nil, "xfer", "--mkdir", "--tx", medium)
	l.ferry(t, to, nil, "xfer", "--rx", medium)
	if r := ferry(t, nil, "toss", "--cfg", l.cfg(to), "--quiet"); r.code > 1 || (r.code == 1 && !strings.Contains(string(r.stderr), "set aside")) {
		t.Fatalf("toss as %s: exit %d\n%s", to, r.code, r.stderr)
	}
}

type trackRow struct {
	ID     string `json:"id"`
	Final  string `json:"final"`
	Node   string `json:"node"`
	State  string `json:"state"`
	Reason string `json:"reason"`
	Status *int   `json:"status"`
	Hop    string `json:"hop"`
	Queued string `json:"queued"`
	Sent   string `json:"sent"`
	Done   string `json:"done"`
}

func (l *netLab) track(t *testing.T, n string, ids ...string) map[string]trackRow {
	t.Helper()
	r := l.ferry(t, n, nil, append([]string{"track", "--json"}, ids...)...)
	var rows []trackRow
	if err := json.Unmarshal(r.stdout, &rows); err != nil {
		t.Fatalf("track --json: %v\n%s", err, r.stdout)
	}
	out := map[string]trackRow{}
	for _, row := range rows {
		out[row.ID] = row
	}
	return out
}

func printedID(t *testing.T, r result) string {
	t.Helper()
	id := strings.TrimSpace(string(r.stdout))
	if len(id) != 52 {
		t.Fatalf("--print-id printed %q", r.stdout)
	}
	return id
}

// TestReceiptsOverXfer: alice sends carol, through bob, a file, a
// command, a command of a handle carol does not list and a file
// request; USB trips carry them there and the receipts back. With no
// step of its own, alice's ferry track ends with each delivered, and the
// unlisted command failed with carol's reason.
func TestReceiptsOverXfer(t *testing.T) {
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	os.WriteFile(l.path("src.txt"), []byte("hello carol\n"), 0o644)
	os.WriteFile(l.path("carol", "pub", "wanted.txt"), []byte("from carol\n"), 0o644)

	file := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:r.txt"))
	exec := printedID(t, l.ferry(t, "alice", []byte("body"), "exec", "--print-id", "carol", "handler", "a1"))
	bad := printedID(t, l.ferry(t, "alice", []byte("body"), "exec", "--print-id", "carol", "nosuch"))
	freq := printedID(t, l.ferry(t, "alice", nil, "freq", "--print-id", "carol:wanted.txt", "got.txt"))
	ids := []string{file, exec, bad, freq}
	for id, row := range l.track(t, "alice") {
		if row.State != "queued" || row.Node != "carol" {
			t.Errorf("%s before any trip: %+v, want queued for carol", id, row)
		}
	}
	if got := len(l.track(t, "alice")); got != 4 {
		t.Fatalf("alice tracks %d messages, want 4", got)
	}

	l.xferHop(t, "alice", "bob")
	for _, id := range ids {
		if row := l.track(t, "alice", id)[id]; row.State != "sent" || row.Hop != "xfer" {
			t.Errorf("%s after the first trip: %+v, want sent by xfer", id, row)
		}
	}
	l.xferHop(t, "bob", "carol")
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "hello carol\n" {
		t.Fatalf("carol got %q", got)
	}
	l.xferHop(t, "carol", "bob")
	l.xferHop(t, "bob", "alice")

	rows := l.track(t, "alice", ids...)
	for _, id := range []string{file, exec, freq} {
		if rows[id].State != "delivered" {
			t.Errorf("%s: %+v, want delivered", id, rows[id])
		}
	}
	if rows[exec].Status == nil || *rows[exec].Status != 0 {
		t.Errorf("exec: status %v, want 0", rows[exec].Status)
	}
	if rows[bad].State != "failed" || !strings.Contains(rows[bad].Reason, `handle "nosuch" is not listed`) {
		t.Errorf("unlisted handle: %+v, want failed naming the handle", rows[bad])
	}
	if got := l.read(t, "alice", "incoming", "got.txt"); got != "from carol\n" {
		t.Errorf("freq answer: %q", got)
	}
	// Receipts get no receipts: nothing is left to travel but alice's
	// receipt for the file carol sent in answer to the freq.
	if n := l.count(l.queue("alice", "bob", "tx")); n != 1 {
		t.Errorf("alice has %d packets for bob, want the one receipt", n)
	}
	for _, q := range [][2]string{{"bob", "alice"}, {"bob", "carol"}, {"carol", "bob"}} {
		if n := l.count(l.queue(q[0], q[1], "tx")); n != 0 {
			t.Errorf("%s still has %d packets for %s", q[0], n, q[1])
		}
	}
	// --wait returns at once on settled messages: 0 when all were
	// delivered, 1 when one failed.
	if r := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--quiet", "--wait", "--timeout", "30s", file, exec, freq); r.code != 0 {
		t.Errorf("track --wait on delivered messages: exit %d\n%s", r.code, r.stderr)
	}
	if r := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--quiet", "--wait", "--timeout", "30s", file, bad); r.code != 1 {
		t.Errorf("track --wait with a failed message: exit %d, want 1\n%s", r.code, r.stderr)
	}
}
