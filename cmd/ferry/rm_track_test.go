package main

import (
	"testing"
)

// TestRmExpiresTrackedMessage: a tracked message whose packet ferry rm
// removes before it left can no longer be sent: its record ends expired
// with the reason, instead of staying queued (expired, not failed: as
// for the age policies, a receipt for a copy carried before still
// settles it). A copy kept after the message left (xfer --keep) is
// removed without changing its record.
func TestRmExpiresTrackedMessage(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("src.txt"), []byte("x\n"), 0o644)
	kept := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:kept.txt"))
	medium := l.path("medium")
	mustMkdirAll(t, medium)
	l.ferry(t, "alice", nil, "xfer", "--mkdir", "--keep", "--tx", medium)
	dropped := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:dropped.txt"))
	if n := l.count(l.queue("alice", "bob", "tx")); n != 2 {
		t.Fatalf("%d packets queued, want the kept copy and the new one", n)
	}
	l.ferry(t, "alice", nil, "rm", "--node", "bob", "--tx")
	rows := l.track(t, "alice")
	if r := rows[dropped]; r.State != "expired" || r.Reason != "removed by ferry rm" || r.Done == "" {
		t.Errorf("removed before it left: %+v, want expired: removed by ferry rm", r)
	}
	if r := rows[kept]; r.State != "sent" {
		t.Errorf("a kept copy of a message that left: %+v, want still sent", r)
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 0 {
		t.Errorf("%d packets left", n)
	}
}
