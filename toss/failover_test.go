package toss_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// failoverLab gives alice a direct alternative route to carol (her own
// goes via bob) with an hour's wait, and queues a command for carol at
// t0, tracked as the exec command would.
func failoverLab(t *testing.T) (l *lab, q outbox.Queued, t0 time.Time) {
	t.Helper()
	l = newLab(t)
	carol := l.node("alice", "carol")
	carol.Ferry, carol.ViaAlt, carol.Failover = true, [][]packet.ID{{}}, time.Hour
	l.node("carol", "alice").Ferry = true
	q, err := l.q("alice").Exec(context.Background(), outbox.Dest{Node: carol}, "handler", []string{"a1"},
		bytes.NewReader([]byte("body")), false, packet.NiceNormal, outbox.Options{Nice: packet.NiceNormal})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Kept || q.Node != l.id("bob") {
		t.Fatalf("queued %+v, want via bob with the inner packet kept", q)
	}
	t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := l.spool["alice"].Track(spool.TrackRecord{ID: q.ID, Final: q.Final(), Node: q.Dest, Route: q.Route, Kind: "exec",
		Queued: t0, Failover: spool.NewFailover(carol.Failover, carol.Routes(), q.ID, q.Node, true, t0)}); err != nil {
		t.Fatal(err)
	}
	return l, q, t0
}

func (l *lab) failover(t *testing.T, at time.Time) toss.FailoverResult {
	t.Helper()
	res, err := toss.Failover(context.Background(), l.spool["alice"], l.cfgs["alice"],
		toss.FailoverOptions{Now: at, Log: slog.New(slog.NewTextHandler(l.logs["alice"], nil))})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFailoverPass: with an injected clock, nothing happens before the
// wait; then the kept packet goes straight to carol, the same packet
// (same id) the relayed copy held, and bob's copy is withdrawn; carol
// runs it and her receipt, saying it came from alice, settles the
// message and ends its failover.
func TestFailoverPass(t *testing.T) {
	l, q, t0 := failoverLab(t)
	if res := l.failover(t, t0.Add(59*time.Minute)); res != (toss.FailoverResult{}) {
		t.Fatalf("before the wait: %+v", res)
	}
	if res := l.failover(t, t0.Add(time.Hour)); res.Rewrapped != 1 || res.Withdrawn != 1 {
		t.Fatalf("after the wait: %+v\n%s", res, l.logs["alice"])
	}
	if n := len(l.jobs(t, "alice", "bob", spool.TX)); n != 0 {
		t.Errorf("%d packets still queued for bob", n)
	}
	direct := l.jobs(t, "alice", "carol", spool.TX)
	if len(direct) != 1 || direct[0].ID != q.Final() {
		t.Fatalf("queued for carol: %+v, want the inner packet %s itself", direct, q.Final())
	}
	if res := l.failover(t, t0.Add(90*time.Minute)); res.Rewrapped+res.Exhausted != 0 {
		t.Fatalf("the new route's wait started again, yet: %+v", res)
	}
	l.move(t, "alice", "carol")
	if _, err := l.toss(t, "carol", toss.Options{}); err != nil {
		t.Fatalf("carol's toss: %v\n%s", err, l.logs["carol"])
	}
	if _, err := os.Stat(l.path("carol", "exec-out", "stdin")); err != nil {
		t.Fatalf("the command did not run: %v\n%s", err, l.logs["carol"])
	}
	l.move(t, "carol", "bob") // carol answers over her own route to alice
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
		t.Fatalf("bob's toss: %v\n%s", err, l.logs["bob"])
	}
	l.move(t, "bob", "alice")
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatalf("alice's toss: %v\n%s", err, l.logs["alice"])
	}
	rs, err := l.spool["alice"].Tracked([]packet.ID{q.ID})
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	if r := rs[0]; r.State != spool.TrackDelivered || r.Failover.Via != l.id("alice") || r.Failover.Kept {
		t.Fatalf("after the receipt: %s via %s kept %v", r.State, r.Failover.Via, r.Failover.Kept)
	}
	if l.spool["alice"].HasKept(l.id("carol"), q.Final()) {
		t.Error("the kept packet outlived the receipt")
	}
	if res := l.failover(t, t0.Add(10*time.Hour)); res != (toss.FailoverResult{}) {
		t.Errorf("a settled message failed over: %+v", res)
	}
}

// TestFailoverExhausted: with no receipt on any route, the kept packet
// is dropped after the last route's wait, once.
func TestFailoverExhausted(t *testing.T) {
	l, q, t0 := failoverLab(t)
	l.failover(t, t0.Add(time.Hour))
	if res := l.failover(t, t0.Add(2*time.Hour)); res.Exhausted != 1 || res.Rewrapped != 0 {
		t.Fatalf("after the last route's wait: %+v", res)
	}
	if l.spool["alice"].HasKept(l.id("carol"), q.Final()) {
		t.Error("kept packet not dropped")
	}
	if res := l.failover(t, t0.Add(30*time.Hour)); res != (toss.FailoverResult{}) {
		t.Errorf("an exhausted message failed over again: %+v", res)
	}
	if n := len(l.jobs(t, "alice", "carol", spool.TX)); n != 1 {
		t.Errorf("the last route's copy: %d queued, want it left to leave", n)
	}
}

// TestFailoverRouteGone: a next route whose relay left the config ends
// the failover once, with a log line, instead of failing every toss.
func TestFailoverRouteGone(t *testing.T) {
	l, q, t0 := failoverLab(t)
	l.node("alice", "carol").ViaAlt = nil
	rs, _ := l.spool["alice"].Tracked([]packet.ID{q.ID})
	r := rs[0]
	r.Failover.Routes[1] = []packet.ID{{9}} // a relay alice does not know
	if err := l.spool["alice"].Track(r); err != nil {
		t.Fatal(err)
	}
	if res := l.failover(t, t0.Add(time.Hour)); res.Exhausted != 1 || res.Failed != 0 {
		t.Fatalf("%+v\n%s", res, l.logs["alice"])
	}
	if l.spool["alice"].HasKept(l.id("carol"), q.Final()) || !bytes.Contains(l.logs["alice"].Bytes(), []byte("gone from the config")) {
		t.Errorf("kept packet not dropped, or no log line:\n%s", l.logs["alice"])
	}
	if res := l.failover(t, t0.Add(3*time.Hour)); res != (toss.FailoverResult{}) {
		t.Errorf("tried again: %+v", res)
	}
}

// TestFailoverNotForChosenRoutes: a route given with --via is the
// sender's choice, and receipts and ACKs are not followed up: none of
// them keeps an inner packet.
func TestFailoverNotForChosenRoutes(t *testing.T) {
	l, _, _ := failoverLab(t)
	carol := l.node("alice", "carol")
	via := []packet.ID{l.id("bob")}
	q, err := l.q("alice").Exec(context.Background(), outbox.Dest{Node: carol}, "handler", nil,
		bytes.NewReader(nil), false, packet.NiceNormal, outbox.Options{Nice: packet.NiceNormal, Via: &via})
	if err != nil || q.Kept {
		t.Errorf("--via bob: kept %v, %v", q.Kept, err)
	}
	a, err := l.q("alice").ACK(context.Background(), carol, q.ID, outbox.Options{})
	if err != nil || a.Kept {
		t.Errorf("an ACK: kept %v, %v", a.Kept, err)
	}
	kept, err := l.spool["alice"].KeptFiles(carol.ID)
	if err != nil || len(kept) != 1 {
		t.Errorf("%d kept packets (%v), want only the lab's message", len(kept), err)
	}
}
