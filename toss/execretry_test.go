package toss_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// TestFailingHandlerBackoffThenSetAside: bob's handler for alice's
// command exits 3. Under a policy of 3 attempts and a 1m backoff, on an
// injected clock: the first toss runs it, a toss before the minute has
// passed leaves the packet without running it, the second run comes
// after 1m, the third after 2m more; then the packet is set aside and
// alice's tracking record ends failed, with the exit status and the
// count, from the receipt.
func TestFailingHandlerBackoffThenSetAside(t *testing.T) {
	l := newLab(t)
	runs := l.path("runs")
	writeScript(t, l.path("handler.sh"), "#!/bin/sh\necho run >> "+runs+"\necho mailbox full >&2\nexit 3\n")
	alice := l.node("bob", "alice")
	alice.Ferry = true
	alice.ExecRetry = cfg.ExecRetry{Attempts: 3, Backoff: time.Minute}
	q, err := l.q("alice").Exec(context.Background(), queueDest(l, "alice", "bob"), "handler", []string{"x"},
		strings.NewReader("mail"), false, 0, outbox.Options{Nice: 128})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.spool["alice"].Track(spool.TrackRecord{ID: q.ID, Node: l.id("bob"), Route: q.Route, Kind: "exec"}); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")

	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	countRuns := func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "run\n")
	}
	for i, step := range []struct {
		at       time.Duration
		runs     int
		waiting  int
		setAside int
	}{
		{0, 1, 0, 0},
		{30 * time.Second, 1, 1, 0},
		{time.Minute, 2, 0, 0},
		{time.Minute + 119*time.Second, 2, 1, 0},
		{3 * time.Minute, 3, 0, 1},
		{10 * time.Minute, 3, 0, 0}, // nothing is left to run
	} {
		now := t0.Add(step.at)
		res, _ := l.toss(t, "bob", toss.Options{Now: func() time.Time { return now }})
		if got := countRuns(); got != step.runs || res.Waiting != step.waiting || res.SetAside != step.setAside {
			t.Fatalf("step %d (+%v): %d runs, %d waiting, %d set aside; want %d, %d, %d\n%s", i, step.at,
				got, res.Waiting, res.SetAside, step.runs, step.waiting, step.setAside, l.logs["bob"])
		}
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 0 {
		t.Fatalf("%d packets left in bob's rx", n)
	}
	bad, err := l.spool["bob"].BadFiles(l.id("alice"), spool.RX)
	if err != nil || len(bad) != 1 {
		t.Fatalf("set aside: %v, %v", bad, err)
	}
	if !strings.Contains(l.logs["bob"].String(), "mailbox full") {
		t.Errorf("the handler's output is not in the log:\n%s", l.logs["bob"])
	}
	if l.move(t, "bob", "alice") != 1 {
		t.Fatal("bob queued no receipt")
	}
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	recs, err := l.spool["alice"].Tracked(nil)
	if err != nil || len(recs) != 1 {
		t.Fatalf("alice's records: %+v, %v", recs, err)
	}
	r := recs[0]
	if r.State != spool.TrackFailed || r.Status == nil || *r.Status != 3 || !strings.Contains(r.Reason, "handler exited 3 after 3 attempts") {
		t.Errorf("alice's record: %+v (status %v), want failed, status 3, after 3 attempts", r, r.Status)
	}
	if strings.Contains(r.Reason, l.dir) || strings.Contains(r.Reason, "mailbox full") {
		t.Errorf("the reason carries bob's paths or the handler's output: %q", r.Reason)
	}
}

// TestRetryNowAndRestart: RetryNow runs a failed handler before its
// backoff has passed; the count is kept in the spool, so a limit reached
// across separate toss runs (a restart between them) still holds; and a
// handler that recovers delivers the packet, its record gone with it.
func TestRetryNowAndRestart(t *testing.T) {
	l := newLab(t)
	writeScript(t, l.path("handler.sh"), "#!/bin/sh\nexit 1\n")
	l.node("bob", "alice").ExecRetry = cfg.ExecRetry{Attempts: 5, Backoff: time.Hour}
	if _, err := l.q("alice").Exec(context.Background(), queueDest(l, "alice", "bob"), "handler", nil,
		strings.NewReader("mail"), false, 0, outbox.Options{Nice: 128}); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	if _, err := l.toss(t, "bob", toss.Options{}); !errors.Is(err, toss.ErrSomeFailed) {
		t.Fatalf("first toss: %v, want the handler's failure", err)
	}
	if res, _ := l.toss(t, "bob", toss.Options{}); res.Waiting != 1 {
		t.Fatalf("second toss: %+v, want the packet waiting", res)
	}
	if res, _ := l.toss(t, "bob", toss.Options{RetryNow: true}); res.Waiting != 0 || res.Failed != 1 {
		t.Fatalf("--retry-now: %+v, want a run that failed", res)
	}
	j := l.jobs(t, "bob", "alice", spool.RX)
	if len(j) != 1 {
		t.Fatalf("%d packets in rx", len(j))
	}
	if a, err := l.spool["bob"].ExecAttempts(l.id("alice"), j[0].ID); err != nil || a.Failures != 2 || a.Status == nil || *a.Status != 1 {
		t.Fatalf("record after two runs: %+v, %v", a, err)
	}
	writeScript(t, l.path("handler.sh"), "#!/bin/sh\nexit 0\n")
	if res, err := l.toss(t, "bob", toss.Options{RetryNow: true}); err != nil || res.Tossed[packet.TypeExec] != 1 {
		t.Fatalf("recovered handler: %+v, %v", res, err)
	}
	if list, err := l.spool["bob"].FailingExecs(l.id("alice")); err != nil || len(list) != 0 {
		t.Errorf("records left: %+v, %v", list, err)
	}
}

// TestInterruptedExecHasNoStatus: a command whose handler a killed toss
// had started is not run again, and its receipt says delivered without
// an exit status: nobody saw how it exited, so it is not reported as 0.
func TestInterruptedExecHasNoStatus(t *testing.T) {
	l := newLab(t)
	l.node("bob", "alice").Ferry = true
	q, err := l.q("alice").Exec(context.Background(), queueDest(l, "alice", "bob"), "handler", []string{"x"},
		strings.NewReader("mail"), false, 0, outbox.Options{Nice: 128})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.spool["alice"].Track(spool.TrackRecord{ID: q.ID, Node: l.id("bob"), Route: q.Route, Kind: "exec"}); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	// The claim a toss killed while its handler ran leaves behind.
	m := l.spool["bob"].ExecMarker(l.id("alice"), q.ID)
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	if err := m.Touch(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.path("bob", "exec-out", "args")); err == nil {
		t.Fatal("the handler ran again")
	}
	l.move(t, "bob", "alice")
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	recs, _ := l.spool["alice"].Tracked(nil)
	if len(recs) != 1 || recs[0].State != spool.TrackDelivered || recs[0].Status != nil {
		t.Errorf("records %+v, want one delivered without a status", recs)
	}
}

// TestLimitReachedBeforeAKill: a toss killed after it recorded the last
// allowed failure, before it set the packet aside, leaves the record at
// the limit: the next toss sets the packet aside and sends the receipt
// without running the handler again.
func TestLimitReachedBeforeAKill(t *testing.T) {
	l := newLab(t)
	runs := l.path("runs")
	writeScript(t, l.path("handler.sh"), "#!/bin/sh\necho run >> "+runs+"\nexit 3\n")
	alice := l.node("bob", "alice")
	alice.Ferry = true
	alice.ExecRetry = cfg.ExecRetry{Attempts: 2, Backoff: time.Hour}
	q, err := l.q("alice").Exec(context.Background(), queueDest(l, "alice", "bob"), "handler", nil,
		strings.NewReader("mail"), false, 0, outbox.Options{Nice: 128})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.spool["alice"].Track(spool.TrackRecord{ID: q.ID, Node: l.id("bob"), Route: q.Route, Kind: "exec"}); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	three := 3
	if err := l.spool["bob"].RecordExecAttempts(l.id("alice"), q.ID, spool.Attempts{Failures: 2, Last: time.Now(), Status: &three, Reason: "handler exited 3"}); err != nil {
		t.Fatal(err)
	}
	if res, _ := l.toss(t, "bob", toss.Options{}); res.SetAside != 1 {
		t.Fatalf("%+v, want the packet set aside\n%s", res, l.logs["bob"])
	}
	if _, err := os.Stat(runs); err == nil {
		t.Error("the handler ran again past its limit")
	}
	l.move(t, "bob", "alice")
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	recs, _ := l.spool["alice"].Tracked(nil)
	if len(recs) != 1 || recs[0].State != spool.TrackFailed || recs[0].Status == nil || *recs[0].Status != 3 ||
		!strings.Contains(recs[0].Reason, "after 2 attempts") {
		t.Errorf("records %+v, want failed with exit 3 after 2 attempts", recs)
	}
}

// TestFailingAreaHandlerBackoff: a command in an area message whose
// handler fails at bob is counted against the area packet: retried after
// the backoff, not before, and set aside at the limit.
func TestFailingAreaHandlerBackoff(t *testing.T) {
	l := newLab(t)
	runs := l.path("runs")
	writeScript(t, l.path("handler.sh"), "#!/bin/sh\necho run >> "+runs+"\nexit 3\n")
	l.cfgs["bob"].ExecRetry = cfg.ExecRetry{Attempts: 2, Backoff: time.Minute}
	area := l.cfgs["alice"].Areas["testarea"]
	ph := packet.PlainHeader{Type: packet.TypeExecFat, Path: []byte("handler\x00x")}
	if _, err := l.q("alice").SendArea(context.Background(), area, ph, func(w io.Writer) error {
		_, err := io.WriteString(w, "news")
		return err
	}, outbox.Options{Nice: 128}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	} // fan-out into bob's queue
	if l.move(t, "alice", "bob") != 1 {
		t.Fatal("no area packet for bob")
	}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	countRuns := func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "run\n")
	}
	for i, step := range []struct {
		at                      time.Duration
		runs, waiting, setAside int
	}{
		{0, 1, 0, 0},
		{30 * time.Second, 1, 1, 0},
		{time.Minute, 2, 0, 1},
	} {
		now := t0.Add(step.at)
		res, _ := l.toss(t, "bob", toss.Options{Now: func() time.Time { return now }})
		if got := countRuns(); got != step.runs || res.Waiting != step.waiting || res.SetAside != step.setAside {
			t.Fatalf("step %d (+%v): %d runs, %d waiting, %d set aside; want %d, %d, %d\n%s", i, step.at,
				got, res.Waiting, res.SetAside, step.runs, step.waiting, step.setAside, l.logs["bob"])
		}
	}
}

// writeScript writes an executable file: a handler script, or a test input.
func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}
