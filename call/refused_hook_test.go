package call_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call"
)

type refusal struct {
	reason    string
	handshake bool
}

// The Daemon's Refused hook hears of every connection turned away, and
// tells a failed handshake from an accept error: what the daemon's
// metrics count.
func TestDaemonRefusedHook(t *testing.T) {
	t.Parallel()
	_, _, bob := lab(t)
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &emfileListener{Listener: tl}
	l.fails.Store(1)
	got := make(chan refusal, 16)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	d := &call.Daemon{
		Serve: func(ctx context.Context, conn net.Conn) error {
			_, err := call.Serve(ctx, bob.sp, bob.c, conn, quick())
			return err
		},
		Refused: func(reason string, handshake bool) { got <- refusal{reason, handshake} },
	}
	go func() { ran <- d.Run(ctx, l) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil { // a cancelled daemon returns nil
			t.Error(err)
		}
	}()
	conn, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(make([]byte, 300)); err != nil { // not a handshake
		t.Fatal(err)
	}
	_ = conn.Close()
	want := map[refusal]bool{{"accept-error", false}: true, {"bad-handshake", true}: true}
	for len(want) > 0 {
		select {
		case r := <-got:
			if !want[r] {
				t.Fatalf("unexpected refusal %+v", r)
			}
			delete(want, r)
		case <-time.After(20 * time.Second): // a bound, not a measurement
			t.Fatalf("not told of %v", want)
		}
	}
}
