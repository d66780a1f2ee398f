package spool_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// commitTracked queues a small packet for node whose record the commit
// writes (spool.Tmp.TrackWith), and returns its id.
func commitTracked(t *testing.T, sp *spool.Spool, node packet.ID, body string, at time.Time) packet.ID {
	t.Helper()
	tmp, err := sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	tmp.TrackWith(func(id packet.ID) (spool.TrackRecord, bool) {
		return spool.TrackRecord{ID: id, Node: node, Route: []packet.ID{node}, Kind: "exec", What: body, Queued: at}, true
	})
	id, err := tmp.Commit(node, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	if err := tmp.TrackErr(); err != nil {
		t.Fatal(err)
	}
	return id
}

func pendingFiles(t *testing.T, sp *spool.Spool) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(sp.Dir(), "ferry-track.d"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestTrackWithCommit: a record written with its packet costs no bbolt
// transaction at queueing time (the database is not even created), is
// what every tracking operation then sees, and is moved into the
// database by the first of them.
func TestTrackWithCommit(t *testing.T) {
	self, bob := trackID(1), trackID(2)
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprintf("sync=%v", sync), func(t *testing.T) {
			sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: !sync})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
			id := commitTracked(t, sp, bob, "one", t0)
			if _, err := os.Stat(filepath.Join(sp.Dir(), "ferry-track.db")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("queueing opened the tracking database: %v", err)
			}
			if got := pendingFiles(t, sp); len(got) != 1 || got[0] != id.String() {
				t.Fatalf("pending records %v, want [%s]", got, id)
			}
			if ents, _ := os.ReadDir(sp.TmpDir()); len(ents) != 0 {
				t.Fatalf("tmp/ left with %d files", len(ents))
			}
			rs, err := sp.Tracked([]packet.ID{id})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 || rs[0].State != spool.TrackQueued || rs[0].Final != id || rs[0].What != "one" || !rs[0].Queued.Equal(t0) {
				t.Fatalf("record %+v", rs)
			}
			if got := pendingFiles(t, sp); len(got) != 0 {
				t.Fatalf("pending records left after the merge: %v", got)
			}
			// A relay-side event (mustExist) still sees a record
			// written beside its packet.
			id2 := commitTracked(t, sp, bob, "two", t0)
			if err := sp.MarkSent(bob, id2, "call", t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			rs, err = sp.Tracked([]packet.ID{id2})
			if err != nil || len(rs) != 1 || rs[0].State != spool.TrackSent {
				t.Fatalf("after MarkSent: %+v %v", rs, err)
			}
		})
	}
}

// TestTrackWithMustExist: MarkSent on a spool with nothing tracked
// still creates no database, and a pending record alone makes one.
func TestTrackWithMustExist(t *testing.T) {
	bob := trackID(2)
	sp := openSpool(t)
	db := filepath.Join(sp.Dir(), "ferry-track.db")
	if err := sp.MarkSent(bob, trackID(9), "call", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a relay's event created the database: %v", err)
	}
	id := commitTracked(t, sp, bob, "m", time.Now())
	if err := sp.MarkSent(bob, id, "xfer", time.Now()); err != nil {
		t.Fatal(err)
	}
	rs, err := sp.Tracked(nil)
	if err != nil || len(rs) != 1 || rs[0].State != spool.TrackSent || rs[0].Hop != "xfer" {
		t.Fatalf("%+v %v", rs, err)
	}
}

// TestTrackWithFailedCommit: a packet that is not queued leaves no
// record, neither in place nor in tmp/.
func TestTrackWithFailedCommit(t *testing.T) {
	self, bob := trackID(1), trackID(2)
	sp, err := spool.Open(t.TempDir(), self, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("body")); err != nil {
		t.Fatal(err)
	}
	tmp.TrackWith(func(id packet.ID) (spool.TrackRecord, bool) {
		return spool.TrackRecord{ID: id, Node: bob, Route: []packet.ID{bob}, Kind: "exec"}, true
	})
	if err := tmp.CommitAs(bob, spool.TX, trackID(7)); !errors.Is(err, spool.ErrHashMismatch) {
		t.Fatalf("commit as a wrong id: %v", err)
	}
	if got := pendingFiles(t, sp); len(got) != 0 {
		t.Fatalf("record for a packet never queued: %v", got)
	}
	if ents, _ := os.ReadDir(sp.TmpDir()); len(ents) != 0 {
		t.Fatalf("tmp/ left with %d files", len(ents))
	}
	// A quota refusal comes after the hook's id is known: no record either.
	tmp, err = sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("body")); err != nil {
		t.Fatal(err)
	}
	tmp.TrackWith(func(id packet.ID) (spool.TrackRecord, bool) {
		return spool.TrackRecord{ID: id, Node: bob, Route: []packet.ID{bob}, Kind: "exec"}, true
	})
	var qe *spool.QuotaError
	if _, err := tmp.CommitWithin(bob, spool.TX, spool.Quota{Own: spool.Limit{Bytes: 1}}); !errors.As(err, &qe) {
		t.Fatalf("commit past the quota: %v", err)
	}
	if rs, err := sp.Tracked(nil); err != nil || len(rs) != 0 || len(pendingFiles(t, sp)) != 0 {
		t.Fatalf("record for a refused packet: %+v %v", rs, err)
	}
}

// TestTrackPendingNotReapplied: a pending file left behind after its
// record was merged (the removal lost in a crash) does not roll the
// record back to queued.
func TestTrackPendingNotReapplied(t *testing.T) {
	bob := trackID(2)
	sp := openSpool(t)
	id := commitTracked(t, sp, bob, "m", time.Now())
	p := filepath.Join(sp.Dir(), "ferry-track.d", id.String())
	saved, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.MarkSent(bob, id, "call", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := sp.Tracked([]packet.ID{id})
	if err != nil || len(rs) != 1 || rs[0].State != spool.TrackSent {
		t.Fatalf("%+v %v", rs, err)
	}
	if got := pendingFiles(t, sp); len(got) != 0 {
		t.Fatalf("stale pending record kept: %v", got)
	}
}

// TestTrackPendingDamaged: a damaged record file is set aside with one
// error naming it, and is no obstacle to the others afterwards.
func TestTrackPendingDamaged(t *testing.T) {
	bob := trackID(2)
	sp := openSpool(t)
	good := commitTracked(t, sp, bob, "good", time.Now())
	bad := commitTracked(t, sp, bob, "bad", time.Now())
	p := filepath.Join(sp.Dir(), "ferry-track.d", bad.String())
	if err := os.WriteFile(p, []byte("{trunc"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sp.Tracked(nil)
	if err == nil || !strings.Contains(err.Error(), bad.String()) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged record: %v", err)
	}
	rs, err := sp.Tracked(nil)
	if err != nil || len(rs) != 1 || rs[0].ID != good {
		t.Fatalf("after setting aside: %+v %v", rs, err)
	}
	if got := pendingFiles(t, sp); len(got) != 1 || got[0] != bad.String()+".damaged" {
		t.Fatalf("pending dir: %v", got)
	}
}

// TestTrackPendingBatches: more records than one merge transaction takes
// all arrive.
func TestTrackPendingBatches(t *testing.T) {
	bob := trackID(2)
	sp := openSpool(t)
	sp.SetTrackBatch(10)
	const n = 25
	for i := range n {
		commitTracked(t, sp, bob, fmt.Sprint(i), time.Now())
	}
	rs, err := sp.Tracked(nil)
	if err != nil || len(rs) != n {
		t.Fatalf("%d records, %v; want %d", len(rs), err, n)
	}
	if got := pendingFiles(t, sp); len(got) != 0 {
		t.Fatalf("%d pending records left", len(got))
	}
}
