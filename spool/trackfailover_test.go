package spool_test

import (
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// failoverLab is alice's spool with one message to dave queued via bob,
// its inner packet kept, and carol as the alternative route.
type failoverLab struct {
	sp                     *spool.Spool
	self, bob, carol, dave packet.ID
	id, final              packet.ID
	t0                     time.Time
}

func put(t *testing.T, sp *spool.Spool, node packet.ID, body string) packet.ID {
	t.Helper()
	tmp, err := sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	id, err := tmp.Commit(node, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newFailoverLab(t *testing.T) *failoverLab {
	t.Helper()
	l := &failoverLab{self: trackID(1), bob: trackID(2), carol: trackID(3), dave: trackID(4),
		t0: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	var err error
	if l.sp, err = spool.Open(t.TempDir(), l.self, spool.Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	tmp, err := l.sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("the inner packet")); err != nil {
		t.Fatal(err)
	}
	if l.final, err = tmp.CommitKept(l.dave); err != nil {
		t.Fatal(err)
	}
	l.id = put(t, l.sp, l.bob, "inner packet wrapped for bob")
	routes := [][]packet.ID{{l.bob}, {l.carol}}
	if err := l.sp.Track(spool.TrackRecord{ID: l.id, Final: l.final, Node: l.dave, Route: []packet.ID{l.bob, l.dave},
		Kind: "file", Queued: l.t0, Failover: spool.NewFailover(time.Hour, routes, l.id, l.bob, true, l.t0)}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *failoverLab) record(t *testing.T) spool.TrackRecord {
	t.Helper()
	rs, err := l.sp.Tracked([]packet.ID{l.id})
	if err != nil || len(rs) != 1 {
		t.Fatalf("record: %v %v", rs, err)
	}
	return rs[0]
}

// due checks what FailoversDue says at at.
func (l *failoverLab) due(t *testing.T, at time.Time, want, wantNext bool) {
	t.Helper()
	rs, err := l.sp.FailoversDue(at)
	if err != nil {
		t.Fatal(err)
	}
	if (len(rs) == 1) != want {
		t.Fatalf("at +%s: %d due, want due %v", at.Sub(l.t0), len(rs), want)
	}
	if want {
		if _, next := rs[0].FailoverDue(at); next != wantNext {
			t.Fatalf("at +%s: next route %v, want %v", at.Sub(l.t0), next, wantNext)
		}
	}
}

// reroute queues the copy for carol's route at at.
func (l *failoverLab) reroute(t *testing.T, at time.Time) (packet.ID, *spool.TrackRecord) {
	t.Helper()
	c := put(t, l.sp, l.carol, "inner packet wrapped for carol")
	r, err := l.sp.Rerouted(l.id, spool.RouteCopy{Route: 1, ID: c, Queue: l.carol, Queued: at})
	if err != nil {
		t.Fatal(err)
	}
	return c, r
}

// TestFailoverNeverSent: bob never takes the message; after the wait
// it is re-wrapped for carol and bob's copy withdrawn; after carol's
// wait too the kept packet is dropped; the receipt settles it once.
func TestFailoverNeverSent(t *testing.T) {
	l := newFailoverLab(t)
	l.due(t, l.t0.Add(59*time.Minute), false, false)
	l.due(t, l.t0.Add(time.Hour), true, true)
	at := l.t0.Add(61 * time.Minute)
	c, r := l.reroute(t, at)
	if len(r.Failover.Cleared) != 1 || r.Failover.Cleared[0].ID != l.id || l.sp.Has(l.bob, spool.TX, l.id) {
		t.Fatalf("bob's unsent copy not withdrawn: %+v", r.Failover)
	}
	got := l.record(t)
	if got.State != spool.TrackQueued || got.Route[0] != l.carol || got.Failover.Current != 1 || !got.Failover.Copies[0].Withdrawn {
		t.Fatalf("after the re-wrap: %+v %+v", got, got.Failover)
	}
	// The wait starts again with the new copy.
	l.due(t, l.t0.Add(2*time.Hour), false, false)
	if err := l.sp.MarkSent(l.carol, c, "call", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := l.record(t); got.State != spool.TrackSent || got.Hop != "call" || got.Failover.Copies[1].Sent.IsZero() {
		t.Fatalf("carol's copy sent: %+v", got)
	}
	l.due(t, at.Add(time.Hour), true, false)
	if _, err := l.sp.Exhausted(l.id); err != nil {
		t.Fatal(err)
	}
	if l.sp.HasKept(l.dave, l.final) {
		t.Fatal("kept packet still there after every route was tried")
	}
	l.due(t, at.Add(10*time.Hour), false, false)
	r, err := l.sp.Settle(spool.Receipt{From: l.dave, Final: l.final, Delivered: true, At: at.Add(11 * time.Hour), Via: l.carol})
	if err != nil || r == nil || r.State != spool.TrackDelivered || r.Failover.Via != l.carol {
		t.Fatalf("settle: %+v %v", r, err)
	}
	// carol's copy was sent: only a carrier would still hold it, and a
	// delivered message needs none.
	if l.sp.Has(l.carol, spool.TX, c) {
		t.Error("carol's copy stayed queued after delivery")
	}
	again, _ := l.sp.Settle(spool.Receipt{From: l.dave, Final: l.final, Reason: "late copy", At: at.Add(12 * time.Hour)})
	if again == nil || again.State != spool.TrackDelivered || !again.Done.Equal(at.Add(11*time.Hour)) {
		t.Fatalf("a second receipt changed the record: %+v", again)
	}
}

// TestFailoverFirstCopySent: bob took his copy before the wait ended,
// so it is left to arrive; the receipt settles the record, removes
// carol's copy still queued and drops the kept packet.
func TestFailoverFirstCopySent(t *testing.T) {
	l := newFailoverLab(t)
	if err := l.sp.MarkSent(l.bob, l.id, "xfer", l.t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := l.sp.Remove(l.bob, spool.TX, l.id); err != nil { // xfer without --keep
		t.Fatal(err)
	}
	if got := l.record(t); got.State != spool.TrackSent || got.Hop != "xfer" {
		t.Fatalf("bob's copy sent: %+v", got)
	}
	c, r := l.reroute(t, l.t0.Add(time.Hour))
	if len(r.Failover.Cleared) != 0 || r.Failover.Copies[0].Withdrawn {
		t.Fatalf("a sent copy counted as withdrawn: %+v", r.Failover)
	}
	// A late confirmation of bob's copy changes the copy, not the state.
	if err := l.sp.MarkSent(l.bob, l.id, "call", l.t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := l.record(t); got.State != spool.TrackQueued {
		t.Fatalf("an old copy's event moved the message: %+v", got)
	}
	r, err := l.sp.Settle(spool.Receipt{From: l.dave, Final: l.final, Delivered: true, At: l.t0.Add(3 * time.Hour), Via: l.bob})
	if err != nil || r == nil || r.State != spool.TrackDelivered || r.Failover.Via != l.bob {
		t.Fatalf("settle: %+v %v", r, err)
	}
	if l.sp.Has(l.carol, spool.TX, c) || l.sp.HasKept(l.dave, l.final) {
		t.Error("carol's queued copy or the kept packet outlived the receipt")
	}
	if len(r.Failover.Cleared) != 1 || r.Failover.Cleared[0].ID != c {
		t.Errorf("cleared %+v, want carol's copy", r.Failover.Cleared)
	}
	l.due(t, l.t0.Add(10*time.Hour), false, false)
	// A re-wrap that raced the receipt is not recorded; its copy goes.
	late, r := l.reroute(t, l.t0.Add(4*time.Hour))
	if r.State != spool.TrackDelivered || len(r.Failover.Copies) != 2 || l.sp.Has(l.carol, spool.TX, late) {
		t.Fatalf("a re-wrap after the receipt: %+v", r)
	}
}

// TestFailoverExpire: expiry drops the kept packet and withdraws the
// copies still queued.
func TestFailoverExpire(t *testing.T) {
	l := newFailoverLab(t)
	c, _ := l.reroute(t, l.t0.Add(time.Hour))
	rs, _ := l.sp.Tracked([]packet.ID{l.id})
	r := rs[0]
	r.Expires = l.t0.Add(90 * time.Minute)
	if err := l.sp.Track(r); err != nil {
		t.Fatal(err)
	}
	gone, err := l.sp.Expire(l.t0.Add(2*time.Hour), 0)
	if err != nil || len(gone) != 1 || !gone[0].Removed {
		t.Fatalf("expire: %+v %v", gone, err)
	}
	if l.sp.Has(l.carol, spool.TX, c) || l.sp.HasKept(l.dave, l.final) {
		t.Error("carol's queued copy or the kept packet outlived the expiry")
	}
	l.due(t, l.t0.Add(10*time.Hour), false, false)
}

// TestSweepKept: a kept packet no record wants goes once it is old
// enough; one a record wants stays.
func TestSweepKept(t *testing.T) {
	l := newFailoverLab(t)
	tmp, err := l.sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("an orphan: its sender died before recording it")); err != nil {
		t.Fatal(err)
	}
	orphan, err := tmp.CommitKept(l.dave)
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := l.sp.SweepKept(time.Now()); err != nil || len(gone) != 0 {
		t.Fatalf("a fresh orphan swept: %v %v", gone, err)
	}
	gone, err := l.sp.SweepKept(time.Now().Add(2 * time.Hour))
	if err != nil || len(gone) != 1 || gone[0].ID != orphan {
		t.Fatalf("sweep: %+v %v", gone, err)
	}
	if !l.sp.HasKept(l.dave, l.final) || l.sp.HasKept(l.dave, orphan) {
		t.Error("the wrong kept packet went")
	}
}

// TestFailoverTrackRemoved: removing the newest copy here (ferry rm, an
// age policy) expires the message and ends its failover; removing an
// older copy changes nothing.
func TestFailoverTrackRemoved(t *testing.T) {
	l := newFailoverLab(t)
	if err := l.sp.MarkSent(l.bob, l.id, "xfer", l.t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	c, _ := l.reroute(t, l.t0.Add(time.Hour))
	if rs, err := l.sp.TrackRemoved(l.bob, []packet.ID{l.id}, "rm", l.t0.Add(2*time.Hour)); err != nil || len(rs) != 0 {
		t.Fatalf("removing bob's old copy: %+v %v", rs, err)
	}
	if got := l.record(t); got.State != spool.TrackQueued || !got.Failover.Kept {
		t.Fatalf("after removing an old copy: %+v", got)
	}
	rs, err := l.sp.TrackRemoved(l.carol, []packet.ID{c}, "rm", l.t0.Add(2*time.Hour))
	if err != nil || len(rs) != 1 || rs[0].State != spool.TrackExpired || rs[0].Failover.Kept {
		t.Fatalf("removing the newest copy: %+v %v", rs, err)
	}
	if l.sp.HasKept(l.dave, l.final) {
		t.Error("the kept packet outlived the removal")
	}
	l.due(t, l.t0.Add(10*time.Hour), false, false)
}
