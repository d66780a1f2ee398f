package call_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
)

// stepClock is a fake clock for the caller: each wait passes at once and
// moves the time on by what was waited for, until rounds waits have
// passed; then waits never end and reached is closed.
type stepClock struct {
	mu      sync.Mutex
	now     time.Time
	rounds  int
	reached chan struct{}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rounds == 0 {
		close(c.reached)
		return nil
	}
	c.rounds--
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// TestCallerEveryTwoSeconds: an entry "*/2 * * * * * *" makes calls; with
// when-tx-exists it makes none while nothing is queued. The cron rounds
// pass on a fake clock, the sessions on the real one.
func TestCallerEveryTwoSeconds(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer func() { _ = l.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	var daemon sync.WaitGroup
	defer daemon.Wait()
	defer cancel()
	daemon.Go(func() {
		_ = (&call.Daemon{Serve: func(ctx context.Context, conn net.Conn) error {
			_, err := call.Serve(ctx, bob.sp, bob.c, conn, quick())
			return err
		}}).Run(ctx, l) // until cancelled
	})

	node := alice.c.Neigh["bob"]
	entry := cfg.Call{Cron: "*/2 * * * * * *", Nice: 255, Addr: l.Addr().String(), OnlineDeadline: time.Second, WhenTxExists: true}
	node.Calls = []cfg.Call{entry}
	var dials atomic.Int32
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := &call.Caller{Spool: alice.sp, Cfg: alice.c, Clock: clock, Dial: func(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
		dials.Add(1)
		return call.Dial(ctx, addr)
	}}
	// run lets the caller fire rounds times, then stops it.
	run := func(rounds int) {
		clock.mu.Lock()
		clock.rounds, clock.reached = rounds, make(chan struct{})
		reached := clock.reached
		clock.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx, []*cfg.Node{node}) }()
		<-reached
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	run(3)
	if dials.Load() != 0 {
		t.Fatalf("when-tx-exists: %d calls with nothing queued", dials.Load())
	}
	id := queue(t, alice, bob, 1000, 224)
	for i := 0; i < 10 && !bob.sp.Has(alice.c.Self.ID, spool.RX, id); i++ {
		run(1)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
		t.Fatal("the scheduled call did not deliver")
	}
	if dials.Load() == 0 {
		t.Fatal("no call made")
	}
}

// TestCallerBadEntryStartsNothing: a calls entry that does not parse is
// an error, and no loop of an entry before it is left running.
func TestCallerBadEntryStartsNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	_, alice, _ := lab(t)
	node := alice.c.Neigh["bob"]
	node.Calls = []cfg.Call{{Cron: "* * * * * * *", Nice: 255}, {Cron: "not a cron line", Nice: 255}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &call.Caller{Spool: alice.sp, Cfg: alice.c}
	if err := c.Run(ctx, []*cfg.Node{node}); err == nil {
		t.Fatal("a bad cron entry was accepted")
	}
	goleak.VerifyNone(t, before) // before cancel: the good entry's loop must not have started
}

// TestCallerWhenTxExists: with nothing queued, a when-tx-exists entry
// that would send makes no call; an rx-only one (xx: rx) calls anyway,
// since what it would send cannot decide it (NNCP's intent; nncp-caller
// 8.8.2's check compares a wrong literal and never calls it). Without
// when-tx-exists, every entry calls.
func TestCallerWhenTxExists(t *testing.T) {
	t.Parallel()
	_, alice, _ := lab(t)
	for _, xx := range []string{"", "rx", "tx"} {
		for _, when := range []bool{true, false} {
			node := alice.c.Neigh["bob"]
			node.Calls = []cfg.Call{{Cron: "* * * * * * *", Nice: 255, XX: xx, Addr: "127.0.0.1:1", WhenTxExists: when}}
			var dials atomic.Int32
			clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rounds: 3, reached: make(chan struct{})}
			c := &call.Caller{Spool: alice.sp, Cfg: alice.c, Clock: clock, Dial: func(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
				dials.Add(1)
				return nil, net.ErrClosed // no one to call: counting is enough
			}}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx, []*cfg.Node{node}) }()
			<-clock.reached
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got, skips := dials.Load(), when && xx != "rx"; (got == 0) != skips {
				t.Errorf("xx %q, when-tx-exists %v, empty tx queue: %d calls in 3 rounds", xx, when, got)
			}
		}
	}
}
