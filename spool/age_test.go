package spool_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

const day = 24 * time.Hour

// ageLab is a spool holding every kind of file an age pass knows, all
// made at t0, and an incoming directory beside it.
type ageLab struct {
	sp       *spool.Spool
	incoming string
	t0       time.Time
	tracked  packet.ID // a tracked message's packet in peer's tx
}

func (l *ageLab) rel(p string) string {
	if r, err := filepath.Rel(l.sp.Dir(), p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	r, _ := filepath.Rel(filepath.Dir(l.incoming), p)
	return r
}

func write(t *testing.T, p string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newAgeLab(t *testing.T) *ageLab {
	t.Helper()
	base := t.TempDir()
	sp, err := spool.Open(filepath.Join(base, "spool"), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	l := &ageLab{sp: sp, incoming: filepath.Join(base, "incoming"), t0: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	put := func(node packet.ID, xx spool.XX, size int) packet.ID {
		id, _, err := sp.CopyIn(bytes.NewReader(fakePacket(1, size)), node, xx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	rxPkt := put(peer, spool.RX, 10)
	l.tracked = put(peer, spool.TX, 20)
	put(peer, spool.TX, 21) // untracked
	put(self, spool.TX, 22) // the self node's area fan-out queue
	gone := put(peer, spool.TX, 23)
	if err := os.Remove(sp.PacketPath(peer, spool.TX, gone)); err != nil { // its hdr/ copy is an orphan now
		t.Fatal(err)
	}
	rxDir, txDir := sp.QueueDir(peer, spool.RX), sp.QueueDir(peer, spool.TX)
	write(t, filepath.Join(rxDir, "bad", packet.ID{30}.String()))
	write(t, filepath.Join(txDir, "bad", packet.ID{31}.String()))
	write(t, sp.PartPath(peer, packet.ID{32}))
	write(t, sp.NockPath(peer, packet.ID{33}))
	write(t, filepath.Join(rxDir, "seen", packet.ID{34}.String()))
	write(t, filepath.Join(rxDir, "hdr", "."+packet.ID{35}.String()+".tmp")) // a header copy half written
	write(t, filepath.Join(sp.NodeDir(peer), "area", packet.ID{36}.String(), packet.ID{37}.String()))
	write(t, filepath.Join(rxDir, "ferry-exec", rxPkt.String()))             // claim of a queued packet: stays
	write(t, filepath.Join(rxDir, "ferry-exec", packet.ID{38}.String()))     // its packet is gone
	write(t, filepath.Join(rxDir, "ferry-attempts", rxPkt.String()))         // failed runs of a queued packet: stays
	write(t, filepath.Join(rxDir, "ferry-attempts", packet.ID{42}.String())) // its packet is gone
	write(t, filepath.Join(sp.TmpDir(), "ferry1234.5.6"))
	write(t, filepath.Join(l.incoming, "a", ".ferry."+rxPkt.String()+".tmp")) // its packet is queued: stays
	write(t, filepath.Join(l.incoming, "a", ".ferry."+packet.ID{39}.String()+".tmp"))
	write(t, filepath.Join(l.incoming, ".ferry."+packet.ID{40}.String()+"."+packet.ID{41}.String()+".tmp"))
	write(t, filepath.Join(l.incoming, ".ferry18a2b3c.77.1")) // a writer that died
	write(t, filepath.Join(l.incoming, ".ferry.notes.tmp"))   // not ours: stays
	write(t, filepath.Join(l.incoming, "file.txt"))
	if err := sp.Track(spool.TrackRecord{ID: l.tracked, Node: peer, Route: []packet.ID{peer}, Kind: "file", Queued: l.t0}); err != nil {
		t.Fatal(err)
	}
	// Everything was made at t0.
	for _, root := range []string{sp.Dir(), l.incoming} {
		err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			return os.Chtimes(p, l.t0, l.t0)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

var ageLimits = map[spool.AgeKind]time.Duration{
	spool.AgeTx: 10 * day, spool.AgeRx: 20 * day, spool.AgeBad: 20 * day,
	spool.AgePart: 7 * day, spool.AgeNock: 7 * day, spool.AgeSeen: 7 * day, spool.AgeHdr: 7 * day,
	spool.AgeTmp: 7 * day, spool.AgeArea: 7 * day,
}

func (l *ageLab) pass(t *testing.T, now time.Time, dry bool) ([]string, spool.AgeResult) {
	t.Helper()
	var got []string
	res, err := l.sp.ApplyAges(context.Background(), spool.AgeOptions{
		Now: now, DryRun: dry, Incoming: []string{l.incoming, l.incoming},
		Limit: func(node packet.ID, k spool.AgeKind) time.Duration {
			if node == self && k == spool.AgeTx {
				return 0 // a node's own limit: kept
			}
			return ageLimits[k]
		},
		Removed: func(r spool.Removal) {
			if r.Reason == "" {
				t.Errorf("%s removed without a reason", r.Path)
			}
			got = append(got, string(r.Kind)+" "+l.rel(r.Path))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if res.Removed != len(got) {
		t.Errorf("counted %d removals, told of %d", res.Removed, len(got))
	}
	return got, res
}

// TestAgePass seeds every kind of file at one time, moves the clock on
// and checks exactly what each pass removes: orphans at once, the
// 7-day kinds after 7 days, the packets after their own limits, and
// never a file that is younger, a node's packets it keeps, or a
// header copy, claim or proof of a packet still queued.
func TestAgePass(t *testing.T) {
	l := newAgeLab(t)
	p, s := peer.String(), self.String()
	orphans := []string{
		"orphan incoming/a/.ferry." + packet.ID{39}.String() + ".tmp",
		"orphan incoming/.ferry." + packet.ID{40}.String() + "." + packet.ID{41}.String() + ".tmp",
		"orphan " + p + "/rx/ferry-attempts/" + packet.ID{42}.String(),
		"orphan " + p + "/rx/ferry-exec/" + packet.ID{38}.String(),
	}
	week := []string{
		"area " + p + "/area/" + packet.ID{36}.String() + "/" + packet.ID{37}.String(),
		"hdr " + p + "/rx/hdr/." + packet.ID{35}.String() + ".tmp",
		"nock " + p + "/rx/" + packet.ID{33}.String() + ".nock",
		"part " + p + "/rx/" + packet.ID{32}.String() + ".part",
		"seen " + p + "/rx/seen/" + packet.ID{34}.String(),
		"tmp incoming/.ferry18a2b3c.77.1",
		"tmp tmp/ferry1234.5.6",
	}
	before := files(t, l)
	dry, _ := l.pass(t, l.t0.Add(8*day), true)
	if after := files(t, l); !slices.Equal(before, after) {
		t.Fatalf("a dry run changed the spool:\n%q\n%q", before, after)
	}
	got, _ := l.pass(t, l.t0.Add(6*day), false)
	if want := sorted(orphans); !slices.Equal(got, want) {
		t.Fatalf("after 6 days:\n got %q\nwant %q", got, want)
	}
	got, _ = l.pass(t, l.t0.Add(8*day), false)
	// The header orphan of the packet removed by hand is 7 days old too.
	var hdrOrphan string
	for _, g := range got {
		if strings.HasPrefix(g, "hdr "+p+"/tx/hdr/") {
			hdrOrphan = g
		}
	}
	want := sorted(append(slices.Clone(week), hdrOrphan))
	if hdrOrphan == "" || !slices.Equal(got, want) {
		t.Fatalf("after 8 days:\n got %q\nwant %q", got, want)
	}
	if wantDry := sorted(append(slices.Clone(orphans), want...)); !slices.Equal(dry, wantDry) {
		t.Errorf("the dry run at 8 days:\n got %q\nwant %q", dry, wantDry)
	}
	got, res := l.pass(t, l.t0.Add(10*day), false)
	if len(got) != 2 || !strings.HasPrefix(got[0], "tx "+p+"/tx/") || !strings.HasPrefix(got[1], "tx "+p+"/tx/") || res.Expired != 1 {
		t.Fatalf("after 10 days: %q, %+v; want peer's two tx packets, one tracked", got, res)
	}
	rs, err := l.sp.Tracked([]packet.ID{l.tracked})
	if err != nil || rs[0].State != spool.TrackExpired || rs[0].Reason != spool.TrackRemovedReason || !rs[0].Done.Equal(l.t0.Add(10*day)) {
		t.Fatalf("tracked message: %+v %v", rs, err)
	}
	// The rx packet goes, and with it, in the same pass, the claim on
	// its handler and the proof of its file.
	got, _ = l.pass(t, l.t0.Add(20*day), false)
	if len(got) != 5 || !strings.HasPrefix(got[0], "bad "+p+"/rx/bad/") || !strings.HasPrefix(got[1], "bad "+p+"/tx/bad/") ||
		!strings.HasPrefix(got[2], "orphan "+p+"/rx/ferry-exec/") || !strings.HasPrefix(got[3], "orphan incoming/a/.ferry.") ||
		!strings.HasPrefix(got[4], "rx "+p+"/rx/") {
		t.Fatalf("after 20 days: %q", got)
	}
	// What is left: self's tx packet (no limit for it) and its header
	// copy, and files that are not ours.
	if got, _ = l.pass(t, l.t0.Add(400*day), false); len(got) != 0 {
		t.Fatalf("a year later: %q", got)
	}
	for _, f := range files(t, l) {
		ok := strings.HasPrefix(f, s+"/tx/") || f == "incoming/.ferry.notes.tmp" || f == "incoming/file.txt" ||
			strings.HasSuffix(f, ".lock") || f == "ferry-track.db" || f == "ferry.idx"
		if !ok {
			t.Errorf("left behind: %s", f)
		}
	}
}

// A node whose lock a call or a toss holds keeps those files this pass,
// and the pass says so in its count.
func TestAgePassSkipsLockedNode(t *testing.T) {
	l := newAgeLab(t)
	unlock, err := l.sp.Lock(peer, spool.LockRx)
	if err != nil {
		t.Fatal(err)
	}
	got, res := l.pass(t, l.t0.Add(8*day), false)
	unlock()
	if res.Skipped != 1 {
		t.Errorf("skipped %d groups, want 1", res.Skipped)
	}
	for _, g := range got {
		if strings.HasPrefix(g, "part ") || strings.HasPrefix(g, "nock ") || strings.Contains(g, "/rx/hdr/") {
			t.Errorf("removed under a held rx lock: %s", g)
		}
	}
	got, res = l.pass(t, l.t0.Add(8*day), false)
	if res.Skipped != 0 || len(got) != 3 {
		t.Errorf("the next pass: %q, %+v; want the .part, .nock and rx/hdr files", got, res)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func files(t *testing.T, l *ageLab) []string {
	t.Helper()
	var out []string
	for _, root := range []string{l.sp.Dir(), l.incoming} {
		err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				out = append(out, l.rel(p))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// A pass with nothing due takes no lock: a call holding its node's
// locks is not in its way, nor it in the call's.
func TestAgePassTakesNoLockWithNothingDue(t *testing.T) {
	l := newAgeLab(t)
	l.pass(t, l.t0.Add(time.Hour), false) // the orphans go
	for _, k := range []spool.LockKind{spool.LockRx, spool.LockTx, spool.LockToss} {
		unlock, err := l.sp.Lock(peer, k)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
	}
	if got, res := l.pass(t, l.t0.Add(2*day), false); len(got) != 0 || res.Skipped != 0 {
		t.Errorf("nothing due: %q, %+v; want nothing removed, nothing skipped", got, res)
	}
}
