package call

import (
	"errors"
	"testing"
	"time"
)

// waiting is how many waiters src has queued.
func (g *fairGate) waiting(src string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queues[src])
}

// waitFor polls (at most 10 s) until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000 && !cond(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !cond() {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// Turns go round the sources: with three waiters from A queued before
// one from B, B's comes second, not fourth.
func TestFairGateRoundRobin(t *testing.T) {
	t.Parallel()
	g := newFairGate(1)
	if err := g.acquire("holder", nil, nil); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	queue := func(src, name string) {
		n := g.waiting(src)
		go func() {
			if err := g.acquire(src, nil, nil); err != nil {
				t.Error(err)
			}
			got <- name
		}()
		waitFor(t, name+" queued", func() bool { return g.waiting(src) == n+1 })
	}
	queue("A", "A1")
	queue("A", "A2")
	queue("A", "A3")
	queue("B", "B1")
	var order []string
	for range 4 {
		g.release()
		order = append(order, <-got)
	}
	want := []string{"A1", "B1", "A2", "A3"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("turns %v, want %v", order, want)
		}
	}
	g.release()
	if g.free != 1 {
		t.Fatalf("%d turns free after all released, want 1", g.free)
	}
}

// A waiter that gives up (its connection evicted, or its deadline
// passed) leaves the queue and takes no turn with it.
func TestFairGateAbandon(t *testing.T) {
	t.Parallel()
	g := newFairGate(1)
	if err := g.acquire("holder", nil, nil); err != nil {
		t.Fatal(err)
	}
	gone := make(chan struct{})
	timeout := make(chan time.Time)
	res := make(chan error, 2)
	go func() { res <- g.acquire("A", gone, nil) }()
	waitFor(t, "A queued", func() bool { return g.waiting("A") == 1 })
	go func() { res <- g.acquire("B", nil, timeout) }()
	waitFor(t, "B queued", func() bool { return g.waiting("B") == 1 })
	close(gone)
	if err := <-res; !errors.Is(err, errEvicted) {
		t.Fatalf("evicted waiter: %v", err)
	}
	close(timeout)
	if err := <-res; !errors.Is(err, errHandshakeWait) {
		t.Fatalf("timed-out waiter: %v", err)
	}
	g.release()
	if g.free != 1 || len(g.order) != 0 {
		t.Fatalf("after abandoned waits: %d free, order %v", g.free, g.order)
	}
}
