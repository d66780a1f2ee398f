package call_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/spool"
)

// emfileListener fails its first accepts with EMFILE, as a listener
// whose process is out of descriptors does.
type emfileListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// messages records log messages.
type messages struct {
	mu   sync.Mutex
	msgs []string
}

func (m *messages) Enabled(context.Context, slog.Level) bool { return true }
func (m *messages) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m *messages) WithGroup(string) slog.Handler            { return m }
func (m *messages) Handle(_ context.Context, r slog.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, r.Message)
	return nil
}

func (m *messages) count(prefix string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.msgs {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// A daemon whose accepts fail with EMFILE eight times in a row backs off,
// logs it (rate-limited: one line, the rest counted) and serves the call
// that was waiting in the listener's queue all along. Before, Run
// returned the first EMFILE and the call went unanswered.
func TestDaemonRetriesEMFILE(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	opt := quick()
	opt.Deadline = 5 * time.Second
	id := queue(t, alice, bob, 1000, 224)
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &emfileListener{Listener: tl}
	l.fails.Store(8) // 5+10+...+640 ms of back-off: about 1.3 s
	log := &messages{}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	d := &call.Daemon{Log: slog.New(log), Serve: func(ctx context.Context, conn net.Conn) error {
		_, err := call.Serve(ctx, bob.sp, bob.c, conn, opt)
		return err
	}}
	go func() { ran <- d.Run(ctx, l) }()
	conn, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, opt); err != nil {
		t.Fatalf("call to a daemon out of descriptors for a while: %v", err)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
		t.Fatal("not delivered")
	}
	select {
	case err := <-ran:
		t.Fatalf("daemon ended: %v", err)
	default:
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if n := log.count("accept failed"); n != 1 {
		t.Errorf("%d accept-failure lines for 8 failures in one interval, want 1 (and a summary)", n)
	}
	if log.count("more connections refused") != 1 {
		t.Error("no summary of the other accept failures")
	}
}

// A caller that the daemon cuts off before message 2 gets a NoAnswerError
// with a hint naming the likely causes.
func TestNoAnswerHasHint(t *testing.T) {
	t.Parallel()
	_, alice, _ := lab(t)
	opt := quick()
	opt.Deadline = 5 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	go func() { // reads message 1, then hangs up, as a full daemon does
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = c.Read(make([]byte, 64)) // message 1, or what came of it
		_ = c.Close()
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_, err = call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, opt)
	var na *call.NoAnswerError
	if !errors.As(err, &na) || !strings.Contains(na.Hint(), "may not know our key") {
		t.Fatalf("error %v (%T), want a NoAnswerError with a hint", err, err)
	}
}
