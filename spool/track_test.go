package spool_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func trackID(b byte) packet.ID { var id packet.ID; id[0] = b; return id }

// TestTrackLifecycle walks one routed message through its states, with
// the events that must not change it in between.
func TestTrackLifecycle(t *testing.T) {
	self, bob, carol := trackID(1), trackID(2), trackID(3)
	outer, inner := trackID(10), trackID(11)
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	state := func(want spool.TrackState, reason string) {
		t.Helper()
		for _, id := range []packet.ID{outer, inner} { // known by either id
			rs, err := sp.Tracked([]packet.ID{id})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 || rs[0].State != want || rs[0].Reason != reason {
				t.Fatalf("by %v: %+v, want %s %q", id[0], rs, want, reason)
			}
		}
	}
	// Nothing tracked yet: a relay's events cost nothing and change nothing.
	if err := sp.MarkSent(bob, outer, "call", t0); err != nil {
		t.Fatal(err)
	}
	if r, err := sp.Settle(spool.Receipt{From: carol, Final: inner, Delivered: true, At: t0}); r != nil || err != nil {
		t.Fatalf("settle before tracking: %v %v", r, err)
	}
	if _, err := sp.Tracked([]packet.ID{outer}); !errors.Is(err, spool.ErrNotTracked) {
		t.Fatalf("untracked id: %v", err)
	}
	if err := sp.Track(spool.TrackRecord{ID: outer, Final: inner, Node: carol, Route: []packet.ID{bob, carol},
		Kind: "file", Queued: t0, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	state(spool.TrackQueued, "")
	if err := sp.MarkSent(carol, outer, "call", t0); err != nil { // not the queue it sits in
		t.Fatal(err)
	}
	state(spool.TrackQueued, "")
	if err := sp.MarkSent(bob, outer, "xfer", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	state(spool.TrackSent, "")
	// Only the destination settles it: bob holds the inner packet and
	// could name it, but his ACK is no receipt.
	if r, _ := sp.Settle(spool.Receipt{From: bob, Final: inner, Delivered: true, At: t0}); r != nil {
		t.Fatalf("bob settled carol's message: %+v", r)
	}
	state(spool.TrackSent, "")
	if r, err := sp.Settle(spool.Receipt{From: carol, Final: inner, Reason: "no", At: t0.Add(2 * time.Minute)}); err != nil || r == nil {
		t.Fatalf("carol's receipt: %v %v", r, err)
	}
	state(spool.TrackFailed, "no")
	// A repeated or contrary receipt does not change it, nor does expiry.
	if _, err := sp.Settle(spool.Receipt{From: carol, Final: inner, Delivered: true, At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if gone, err := sp.Expire(t0.Add(2*time.Hour), 0); err != nil || len(gone) != 0 {
		t.Fatalf("expire a settled message: %v %v", gone, err)
	}
	state(spool.TrackFailed, "no")
	// Pruned once settled for longer than keep.
	if _, err := sp.Expire(t0.Add(time.Hour), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	state(spool.TrackFailed, "no")
	if _, err := sp.Expire(t0.Add(3*time.Hour), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Tracked([]packet.ID{inner}); !errors.Is(err, spool.ErrNotTracked) {
		t.Fatalf("pruned record still found: %v", err)
	}
}

// TestTrackExpire: a message past its lifetime expires; a late receipt
// still settles it.
func TestTrackExpire(t *testing.T) {
	self, bob := trackID(1), trackID(2)
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i, exp := range []time.Duration{time.Hour, 0} {
		r := spool.TrackRecord{ID: trackID(byte(20 + i)), Node: bob, Route: []packet.ID{bob}, Queued: t0}
		if exp > 0 {
			r.Expires = t0.Add(exp)
		}
		if err := sp.Track(r); err != nil {
			t.Fatal(err)
		}
	}
	if gone, _ := sp.Expire(t0.Add(59*time.Minute), 0); len(gone) != 0 {
		t.Fatalf("expired early: %+v", gone)
	}
	gone, err := sp.Expire(t0.Add(time.Hour), 0)
	if err != nil || len(gone) != 1 || gone[0].ID != trackID(20) || gone[0].Removed {
		t.Fatalf("expire: %+v %v (no packet file was queued)", gone, err)
	}
	rs, _ := sp.Tracked(nil)
	if len(rs) != 2 || rs[0].State != spool.TrackExpired && rs[1].State != spool.TrackExpired {
		t.Fatalf("records: %+v", rs)
	}
	if _, err := sp.Settle(spool.Receipt{From: bob, Final: trackID(20), Delivered: true, At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rs, _ = sp.Tracked([]packet.ID{trackID(20)})
	if rs[0].State != spool.TrackDelivered {
		t.Fatalf("late receipt: %+v", rs[0])
	}
}
