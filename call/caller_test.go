package call_test

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"ferry/call"
	"ferry/cfg"
	"ferry/spool"
)

// TestCallerEveryTwoSeconds: an entry "*/2 * * * * * *" makes calls; with
// when-tx-exists it makes none while nothing is queued.
func TestCallerEveryTwoSeconds(t *testing.T) {
	_, alice, bob := lab(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&call.Daemon{Serve: func(ctx context.Context, conn net.Conn) error {
		_, err := call.Serve(ctx, bob.sp, bob.c, conn, quick())
		return err
	}}).Run(ctx, l)

	node := alice.c.Neigh["bob"]
	entry := cfg.Call{Cron: "*/2 * * * * * *", Nice: 255, Addr: l.Addr().String(), OnlineDeadline: time.Second, WhenTxExists: true}
	node.Calls = []cfg.Call{entry}
	var dials atomic.Int32
	c := &call.Caller{Spool: alice.sp, Cfg: alice.c, Dial: func(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
		dials.Add(1)
		return call.Dial(ctx, addr)
	}}
	run := func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		c.Run(ctx, []*cfg.Node{node})
	}
	run(3 * time.Second)
	if dials.Load() != 0 {
		t.Fatalf("when-tx-exists: %d calls with nothing queued", dials.Load())
	}
	id := queue(t, alice, bob, 1000, 224)
	for i := 0; i < 10 && !bob.sp.Has(alice.c.Self.ID, spool.RX, id); i++ {
		run(3 * time.Second)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
		t.Fatal("the scheduled call did not deliver")
	}
	if dials.Load() == 0 {
		t.Fatal("no call made")
	}
}
