package spool_test

import (
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// TrackRemoved expires only a message still queued for the node whose
// queue lost it: one already sent (a copy kept by xfer --keep), settled,
// routed through another first hop, or not tracked at all stays as it is.
func TestTrackRemoved(t *testing.T) {
	me, bob, carol := trackID(1), trackID(2), trackID(3)
	sp, err := spool.Open(t.TempDir(), me, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if got, err := sp.TrackRemoved(bob, []packet.ID{trackID(9)}, "gone", t0); err != nil || len(got) != 0 {
		t.Fatalf("no records yet: %v %v", got, err)
	}
	for _, c := range []struct {
		id    byte
		route []packet.ID
		sent  bool
		want  spool.TrackState
	}{
		{10, []packet.ID{bob}, false, spool.TrackExpired},
		{11, []packet.ID{bob}, true, spool.TrackSent},
		{12, []packet.ID{carol, bob}, false, spool.TrackQueued},
		{13, []packet.ID{bob, carol}, false, spool.TrackExpired},
	} {
		id := trackID(c.id)
		if err := sp.Track(spool.TrackRecord{ID: id, Node: c.route[len(c.route)-1], Route: c.route, Kind: "file", Queued: t0}); err != nil {
			t.Fatal(err)
		}
		if c.sent {
			if err := sp.MarkSent(c.route[0], id, "xfer", t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := []packet.ID{trackID(10), trackID(11), trackID(12), trackID(13), trackID(14)}
	got, err := sp.TrackRemoved(bob, ids, spool.TrackRemovedReason, t0.Add(time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("changed %d records (%v), want 2", len(got), err)
	}
	for _, c := range []struct {
		id   byte
		want spool.TrackState
	}{{10, spool.TrackExpired}, {11, spool.TrackSent}, {12, spool.TrackQueued}, {13, spool.TrackExpired}} {
		rs, err := sp.Tracked([]packet.ID{trackID(c.id)})
		if err != nil || rs[0].State != c.want {
			t.Errorf("%d: %+v %v, want %s", c.id, rs, err, c.want)
			continue
		}
		if c.want == spool.TrackExpired && (rs[0].Reason != spool.TrackRemovedReason || !rs[0].Done.Equal(t0.Add(time.Hour))) {
			t.Errorf("%d: %+v", c.id, rs[0])
		}
	}
	// A receipt that comes later still settles an expired message.
	if r, err := sp.Settle(spool.Receipt{From: bob, Final: trackID(10), Delivered: true, At: t0.Add(2 * time.Hour)}); err != nil || r == nil || r.State != spool.TrackDelivered {
		t.Errorf("receipt after the removal: %+v %v", r, err)
	}
}
