package toss_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// TestTossWaitsForBusyQueue: a queue whose toss lock another holder has
// (another toss, or the claimer of a killed one still running its
// handlers) is skipped quietly without WaitBusy, as autotoss wants;
// with it, toss waits for the lock and tosses, or, when it stays held,
// gives the queue up logged and counted, so the run fails instead of
// reporting success with packets left.
func TestTossWaitsForBusyQueue(t *testing.T) {
	l := newLab(t)
	if err := os.WriteFile(l.path("f.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "bob"), l.path("f.txt"), "f.txt", fileOpts(224)); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	_, unlock, err := l.spool["bob"].LockFile(l.id("alice"), spool.LockToss)
	if err != nil {
		t.Fatal(err)
	}
	// Without WaitBusy: skipped, nothing counted (autotoss).
	if res, err := l.toss(t, "bob", toss.Options{}); err != nil || res.Failed != 0 || len(l.jobs(t, "bob", "alice", spool.RX)) != 1 {
		t.Fatalf("without WaitBusy: %+v, %v, want the queue skipped quietly", res, err)
	}
	// Held past WaitBusy: given up, counted, the run fails.
	res, err := l.toss(t, "bob", toss.Options{WaitBusy: 100 * time.Millisecond})
	if !errors.Is(err, toss.ErrSomeFailed) || res.Busy != 1 || res.Failed != 1 {
		t.Fatalf("lock held past WaitBusy: %+v, %v; want Busy 1 and ErrSomeFailed", res, err)
	}
	if !strings.Contains(l.logs["bob"].String(), "another process holds its toss lock") {
		t.Errorf("no log line for the busy queue:\n%s", l.logs["bob"])
	}
	// Released while toss waits: tossed.
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(200 * time.Millisecond)
		unlock()
	}()
	res, err = l.toss(t, "bob", toss.Options{WaitBusy: time.Minute})
	<-released
	if err != nil || res.Failed != 0 {
		t.Fatalf("lock released while waiting: %+v, %v", res, err)
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 0 {
		t.Fatalf("%d packets left after the lock was released", n)
	}
	if _, err := os.Stat(l.path("bob", "incoming", "f.txt")); err != nil {
		t.Fatalf("file not delivered: %v", err)
	}
}
