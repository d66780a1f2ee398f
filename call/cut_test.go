package call_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A peer that drops the connection mid-packet leaves both sides with a
// session error saying what is left: the sender's packet half-sent (it
// got no DONE and stays queued), the receiver's half-received (.part).
func TestSessionCutMidPacketIsAnError(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	id := queue(t, alice, bob, 500000, 224)
	size := txSize(t, alice, bob, id)
	// bob reads the handshake and part of the packet, then hangs up.
	conn, served := serveOnce(t, bob, func(c net.Conn) io.ReadWriteCloser { return &cutAfter{conn: c, left: 200000} })
	defer func() { _ = conn.Close() }()
	st, err := call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, quick())
	var se *call.SessionError
	if !errors.As(err, &se) {
		t.Fatalf("call: %v, want a session error", err)
	}
	if se.End != call.EndPeerClosed && se.End != call.EndBroken {
		t.Errorf("call ended %v, want cut", se.End)
	}
	want := call.Left{HalfSent: 1, HalfSentSize: size}
	if se.Left != want || st.Left != want {
		t.Errorf("call left %+v (stats %+v), want %+v", se.Left, st.Left, want)
	}
	if !strings.HasPrefix(err.Error(), "session cut: 1 packet half-sent (") {
		t.Errorf("message %q", err)
	}
	if !alice.sp.Has(bob.c.Self.ID, spool.TX, id) {
		t.Fatal("the half-sent packet left the queue")
	}
	serr := <-served
	if !errors.As(serr, &se) || se.Left.HalfReceived != 1 || se.Left.HalfReceivedSize != size {
		t.Fatalf("serve: %v, want 1 packet half-received", serr)
	}
	if _, ok := bob.sp.PartSize(alice.c.Self.ID, id); !ok {
		t.Error("no .part to resume from")
	}
}

// A peer that dies right after the handshake, before asking for
// anything, leaves the caller's offers untaken: the call failed. The
// responder, whose caller decides when a session ends, does not count
// offers its caller left alone.
func TestCallCutBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	queue(t, alice, bob, 1000, 224)
	queue(t, bob, alice, 1000, 224)
	// bob only sends: alice's offer is left alone.
	conn, served := serveOnceWith(t, bob, call.Options{TxOnly: true, OnlineDeadline: time.Minute},
		func(c net.Conn) io.ReadWriteCloser { return &cutAfterFirstWrite{conn: c} })
	defer func() { _ = conn.Close() }()
	aopt := quick()
	aopt.TxOnly = true // bob's offer is left alone too
	_, err := call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, aopt)
	var se *call.SessionError
	if !errors.As(err, &se) || se.End != call.EndPeerClosed || se.Left.NotTaken != 1 || se.Left.HalfSent != 0 {
		t.Fatalf("call: %v, want cut with 1 packet offered, not taken", err)
	}
	if serr := <-served; serr != nil {
		t.Fatalf("serve: %v, want success (nothing begun)", serr)
	}
}

// A peer that ends the session first, with nothing unfinished, is a
// normal end on both sides, as is a caller taking nothing the daemon
// offered (it called --tx).
func TestPeerClosingFirstIsNormal(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	sent := queue(t, alice, bob, 300000, 224)
	kept := queue(t, bob, alice, 1000, 224)
	aopt := call.Options{OnlineDeadline: time.Minute, TxOnly: true}
	st, cerr, serr := session(t, alice, bob, aopt, quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	if st.End != call.EndPeerClosed || !st.Left.Empty() {
		t.Errorf("call ended %v leaving %+v, want closed by the peer, nothing left", st.End, st.Left)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, sent) || !bob.sp.Has(alice.c.Self.ID, spool.TX, kept) {
		t.Error("wrong packets moved")
	}
}

// A scheduled call cut mid-packet is logged as failed.
func TestCallerLogsCutSessionAsFailed(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	queue(t, alice, bob, 500000, 224)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// bob hangs up on every call once part of the packet arrived.
	var served sync.WaitGroup
	served.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return // the listener closed: the test is over
			}
			served.Go(func() {
				defer func() { _ = conn.Close() }()
				// Cut on purpose: the caller's log is what is checked.
				_, _ = call.Serve(ctx, bob.sp, bob.c, &cutAfter{conn: conn, left: 200000}, quick())
			})
		}
	})
	defer served.Wait()
	defer func() { _ = l.Close() }()
	defer cancel()
	node := alice.c.Neigh["bob"]
	node.Calls = []cfg.Call{{Cron: "* * * * * * *", Nice: 255, Addr: l.Addr().String(), OnlineDeadline: time.Second}}
	log := &lines{}
	c := &call.Caller{Spool: alice.sp, Cfg: alice.c, Log: slog.New(log)}
	for i := 0; i < 10 && !log.has("call failed"); i++ {
		run, stop := context.WithTimeout(ctx, 2*time.Second)
		if err := c.Run(run, []*cfg.Node{node}); err != nil {
			t.Fatal(err)
		}
		stop()
	}
	if got := log.find("call failed"); !strings.Contains(got, "session cut: 1 packet half-sent") {
		t.Fatalf("call failed line: %q, want the cut and what it left", got)
	}
}

// cutAfterFirstWrite hangs up at the first read after its first write:
// a responder that dies right after answering the handshake.
type cutAfterFirstWrite struct {
	conn  net.Conn
	wrote atomic.Bool
}

func (c *cutAfterFirstWrite) Read(p []byte) (int, error) {
	if c.wrote.Load() {
		_ = c.conn.Close()
		return 0, io.EOF
	}
	return c.conn.Read(p)
}

func (c *cutAfterFirstWrite) Write(p []byte) (int, error) {
	c.wrote.Store(true)
	return c.conn.Write(p)
}

func (c *cutAfterFirstWrite) Close() error { return c.conn.Close() }

// lines records log messages with their err attribute.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (r *lines) Enabled(context.Context, slog.Level) bool { return true }
func (r *lines) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *lines) WithGroup(string) slog.Handler            { return r }
func (r *lines) Handle(_ context.Context, rec slog.Record) error {
	line := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			line += ": " + a.Value.String()
		}
		return true
	})
	r.mu.Lock()
	r.all = append(r.all, line)
	r.mu.Unlock()
	return nil
}

func (r *lines) find(prefix string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.all {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func (r *lines) has(prefix string) bool { return r.find(prefix) != "" }

// A receiver that cannot write what arrives (a full disk, here a .part
// that is a directory) fails its session; the sender, cut mid-packet,
// fails too instead of reporting success.
func TestReceiverWriteErrorFailsBothSides(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	id := queue(t, alice, bob, 500000, 224)
	// Planted where NNCP's layout puts the .part: spool/NODE/rx/ID.part.
	part := filepath.Join(bob.c.Spool, alice.c.Self.ID.String(), "rx", id.String()+".part")
	if err := os.MkdirAll(filepath.Join(part, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, cerr, serr := session(t, alice, bob, quick(), quick())
	var se *call.SessionError
	if !errors.As(serr, &se) || se.End != call.EndFailed || se.Left.HalfReceived != 1 {
		t.Fatalf("serve: %v, want failed with 1 packet half-received", serr)
	}
	if !errors.As(cerr, &se) || se.Left.HalfSent != 1 || !strings.HasPrefix(cerr.Error(), "session cut: ") {
		t.Fatalf("call: %v, want cut with 1 packet half-sent", cerr)
	}
	if !alice.sp.Has(bob.c.Self.ID, spool.TX, id) {
		t.Fatal("the packet left alice's queue")
	}
}

// txSize is the size of packet id queued at a for b.
func txSize(t *testing.T, a, b *node, id packet.ID) int64 {
	t.Helper()
	jobs, _, err := a.sp.Jobs(b.c.Self.ID, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.ID == id {
			return j.Size
		}
	}
	t.Fatalf("%s is not queued", id)
	return 0
}
