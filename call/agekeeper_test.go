package call_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// passClock is the age keeper's clock in a test: the time is what the
// test sets, and each wait between passes is handed to the test, which
// ends it when it has moved the time on. A wait handed over means the
// pass before it is over.
type passClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan chan time.Time
}

func newPassClock(now time.Time) *passClock {
	return &passClock{now: now, waits: make(chan chan time.Time, 16)}
}

func (c *passClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *passClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits <- ch
	return ch
}

// next waits for the pass under way to end, moves the clock to now and
// starts the next pass; then waits for that one to end too.
func (c *passClock) next(t *testing.T, now time.Time) {
	t.Helper()
	w := c.wait(t)
	c.mu.Lock()
	c.now = now
	c.mu.Unlock()
	w <- now
	// The wait after this pass: handed back for the next call.
	c.waits <- c.wait(t)
}

// wait takes the next wait. The bound only turns a keeper that never
// runs into a failure instead of a hung test.
func (c *passClock) wait(t *testing.T) chan time.Time {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(time.Minute):
		t.Fatal("no age pass ran")
		return nil
	}
}

// ageLabPacket queues a tracked packet from alice to bob and gives alice
// a tx age limit of 10 days.
func ageLabPacket(t *testing.T, alice, bob *node) packet.ID {
	t.Helper()
	id := queue(t, alice, bob, 1000, 160)
	bobID := bob.c.Self.ID
	if err := alice.sp.Track(spool.TrackRecord{ID: id, Node: bobID, Route: []packet.ID{bobID}, Kind: "file", Queued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	alice.c.Ages = cfg.Ages{cfg.AgeTx: 10 * cfg.Day}
	return id
}

func checkAged(t *testing.T, alice, bob *node, id packet.ID, gone bool) {
	t.Helper()
	if has := alice.sp.Has(bob.c.Self.ID, spool.TX, id); has == gone {
		t.Fatalf("packet queued: %v, want %v", has, !gone)
	}
	rs, err := alice.sp.Tracked([]packet.ID{id})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]spool.TrackState{false: spool.TrackQueued, true: spool.TrackExpired}[gone]; rs[0].State != want {
		t.Fatalf("record %s (%s), want %s", rs[0].State, rs[0].Reason, want)
	}
}

// A running daemon applies the age limits: a first pass as it starts
// (the packet is young: kept), then one each interval on its clock.
func TestDaemonAppliesAgeLimits(t *testing.T) {
	_, alice, bob := lab(t)
	id := ageLabPacket(t, alice, bob)
	start := time.Now()
	clock := newPassClock(start)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	d := &call.Daemon{Serve: func(ctx context.Context, conn net.Conn) error { return nil },
		Ages: &call.AgeKeeper{Spool: alice.sp, Cfg: alice.c, Clock: clock}}
	go func() { ran <- d.Run(ctx, l) }()
	clock.next(t, start.Add(9*cfg.Day))
	checkAged(t, alice, bob, id, false)
	clock.next(t, start.Add(10*cfg.Day+time.Minute))
	checkAged(t, alice, bob, id, true)
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// The caller does the same, beside its cron entries.
func TestCallerAppliesAgeLimits(t *testing.T) {
	_, alice, bob := lab(t)
	id := ageLabPacket(t, alice, bob)
	start := time.Now()
	clock := newPassClock(start)
	node := alice.c.Neigh["bob"]
	node.Calls = []cfg.Call{{Cron: "@yearly", Nice: 255, Addr: "127.0.0.1:1"}}
	c := &call.Caller{Spool: alice.sp, Cfg: alice.c, Clock: neverClock{start},
		Ages: &call.AgeKeeper{Spool: alice.sp, Cfg: alice.c, Clock: clock}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx, []*cfg.Node{node}) }()
	clock.next(t, start.Add(9*cfg.Day))
	checkAged(t, alice, bob, id, false)
	clock.next(t, start.Add(11*cfg.Day))
	checkAged(t, alice, bob, id, true)
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// neverClock's waits never end: the caller's cron entry never fires.
type neverClock struct{ now time.Time }

func (c neverClock) Now() time.Time                     { return c.now }
func (neverClock) After(time.Duration) <-chan time.Time { return nil }

// The keeper runs its Also after each pass with the pass's time, so a
// daemon's or caller's other upkeep (failover) follows the same clock.
func TestAgeKeeperAlso(t *testing.T) {
	_, alice, _ := lab(t)
	start := time.Now()
	clock := newPassClock(start)
	var mu sync.Mutex
	var got []time.Time
	k := &call.AgeKeeper{Spool: alice.sp, Cfg: alice.c, Clock: clock, Also: func(_ context.Context, now time.Time) {
		mu.Lock()
		got = append(got, now)
		mu.Unlock()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); k.Run(ctx) }()
	clock.next(t, start.Add(time.Hour))
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || !got[0].Equal(start) || !got[1].Equal(start.Add(time.Hour)) {
		t.Errorf("Also ran at %v, want at the start and an hour on", got)
	}
}
