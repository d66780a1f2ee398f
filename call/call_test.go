package call_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

var vecDir = labtest.VecDir()

type node struct {
	c  *cfg.Config
	sp *spool.Spool
}

func lab(t *testing.T) (dir string, alice, bob *node) {
	t.Helper()
	dir = labtest.New(t)
	load := func(n string) *node {
		c, sp := labnode.Open(t, n, dir)
		return &node{c, sp}
	}
	return dir, load("alice"), load("bob")
}

// queue puts a real packet from a to b in a's tx; bodies over 64 MiB are
// zeros, streamed.
func queue(t *testing.T, a, b *node, size int, nice uint8) packet.ID {
	t.Helper()
	var body io.Reader = io.LimitReader(zeros{}, int64(size))
	if size <= 64<<20 {
		buf := make([]byte, size)
		rand.Read(buf)
		body = bytes.NewReader(buf)
	}
	peer := a.c.ByID[b.c.Self.ID]
	tmp, _ := a.sp.NewTmp()
	w, err := packet.NewWriter(tmp, a.c.Self.Identity(), peer.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, packet.WriteOptions{Nice: nice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	id, err := tmp.Commit(b.c.Self.ID, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// session runs bob as daemon and alice as caller over 127.0.0.1.
func session(t *testing.T, alice, bob *node, aopt, bopt call.Options) (call.Stats, error, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	served := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer func() { _ = conn.Close() }()
		_, err = call.Serve(context.Background(), bob.sp, bob.c, conn, bopt)
		served <- err
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	st, cerr := call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, aopt)
	_ = conn.Close()
	return st, cerr, <-served
}

func quick() call.Options { return call.Options{OnlineDeadline: time.Second} }

func TestSessionBothWays(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	a1 := queue(t, alice, bob, 3<<20, 224)
	a2 := queue(t, alice, bob, 10, 32)
	b1 := queue(t, bob, alice, 200000, 160)
	st, cerr, serr := session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	for _, id := range []packet.ID{a1, a2} {
		if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) || alice.sp.Has(bob.c.Self.ID, spool.TX, id) {
			t.Errorf("%s: not moved from alice's tx to bob's rx", id)
		}
		if ok, _ := bob.sp.Verify(alice.c.Self.ID, spool.RX, id); !ok {
			t.Errorf("%s damaged", id)
		}
	}
	if !alice.sp.Has(bob.c.Self.ID, spool.RX, b1) || bob.sp.Has(alice.c.Self.ID, spool.TX, b1) {
		t.Error("bob's packet not moved")
	}
	if st.TxPkts != 2 || st.RxPkts != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Hundreds of small packets both ways in one session, with real fsyncs:
// the receiver's group commit must store and acknowledge every one, and
// the sender must delete exactly the acknowledged ones.
func TestSessionManySmallPackets(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	for _, n := range []*node{alice, bob} {
		sp, err := spool.Open(n.c.Spool, n.c.Self.ID, spool.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n.sp = sp
	}
	var toBob, toAlice []packet.ID
	for i := 0; i < 400; i++ {
		toBob = append(toBob, queue(t, alice, bob, 1+i*7, uint8(32+i%3*64)))
	}
	for i := 0; i < 150; i++ {
		toAlice = append(toAlice, queue(t, bob, alice, 1+i*11, 96))
	}
	st, cerr, serr := session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	check := func(from, to *node, ids []packet.ID) {
		for _, id := range ids {
			if ok, err := to.sp.Verify(from.c.Self.ID, spool.RX, id); !ok || err != nil {
				t.Errorf("%s: not received intact: %v", id, err)
			}
			if from.sp.Has(to.c.Self.ID, spool.TX, id) {
				t.Errorf("%s: still in the sender's tx", id)
			}
		}
		parts, _ := to.sp.Partials(from.c.Self.ID)
		if len(parts) != 0 {
			t.Errorf(".part files left: %v", parts)
		}
	}
	check(alice, bob, toBob)
	check(bob, alice, toAlice)
	if st.TxPkts != 400 || st.RxPkts != 150 {
		t.Errorf("stats %+v", st)
	}
}

func TestSessionResumesPart(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	id := queue(t, alice, bob, 1<<20, 224)
	data := make([]byte, 1<<21)
	n, _ := alice.sp.ReadAt(bob.c.Self.ID, spool.TX, id, data, 0)
	data = data[:n]
	part, err := bob.sp.OpenPart(alice.c.Self.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.File().Write(data[:300000]); err != nil {
		t.Fatal(err)
	}
	if err := part.Close(); err != nil {
		t.Fatal(err)
	}
	st, cerr, serr := session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatal(cerr, serr)
	}
	if st.TxBytes != int64(len(data)-300000) {
		t.Errorf("sent %d bytes, want only the missing %d", st.TxBytes, len(data)-300000)
	}
	if ok, _ := bob.sp.Verify(alice.c.Self.ID, spool.RX, id); !ok {
		t.Error("resumed packet damaged or missing")
	}
}

func TestSessionPriorityOvertakes(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	bulk := queue(t, alice, bob, 16<<20, 224)
	// A flash packet queued while a bulk one is in flight (at its first
	// chunk) arrives first. The sender is paced: 100 chunks of 64 KiB a
	// second, so the bulk one is in flight for 2.6 s at least (pacing
	// only slows under load), and the flash packet, queued 0.2 s in, has
	// over 2 s to be committed and found by the once-a-second rescan.
	// (48 MiB at 1000 chunks a second was in flight for under a second,
	// about what the rescan takes: on a loaded machine the flash packet
	// came after the bulk one or in no session at all.) A 1 GiB packet
	// did the same unpaced, but cost 30 s under -race on a busy machine.
	rec := &recorder{}
	rec.onFirst = func() {
		id := queue(t, alice, bob, 100, 32)
		rec.mu.Lock()
		rec.flash = id
		rec.mu.Unlock()
	}
	opt := quick()
	opt.TxRate = 100
	bopt := quick()
	bopt.Log = slog.New(rec)
	if _, cerr, serr := session(t, alice, bob, opt, bopt); cerr != nil || serr != nil {
		t.Fatal(cerr, serr)
	}
	got := rec.received()
	rec.mu.Lock()
	flash := rec.flash
	rec.mu.Unlock()
	if len(got) != 2 || got[0] != flash.String() || got[1] != bulk.String() {
		t.Fatalf("arrival order %v, want flash %s before bulk %s", got, flash, bulk)
	}
}

// recorder is a slog.Handler noting received packets in order; onFirst
// runs once, at the first FILE data bob writes.
type recorder struct {
	mu      sync.Mutex
	pkts    []string
	onFirst func()
	fired   bool
	flash   packet.ID
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec.Message == "packet received" {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "pkt" {
				r.pkts = append(r.pkts, a.Value.String())
			}
			return true
		})
	}
	if rec.Message == "session started" && !r.fired {
		r.fired = true
		go func() { time.Sleep(200 * time.Millisecond); r.onFirst() }()
	}
	return nil
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.pkts...)
}

func TestUnknownCallerGetsNothing(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	// alice with a fresh Noise key bob does not know.
	stranger := *alice.c
	self := *alice.c.Self
	self.NoisePrv[0] ^= 0xff
	pub, _ := noisePub(self.NoisePrv)
	self.NoisePub = pub
	stranger.Self = &self
	conn, served := serveOnce(t, bob, nil)
	defer func() { _ = conn.Close() }()
	_, err := call.Call(context.Background(), alice.sp, &stranger, stranger.Neigh["bob"], conn, quick())
	if err == nil {
		t.Fatal("unknown caller got a session")
	}
	if serr := <-served; !errors.Is(serr, call.ErrUnknownPeer) {
		t.Fatalf("serve: %v", serr)
	}
}

func TestGarbageAndStall(t *testing.T) {
	t.Parallel()
	_, _, bob := lab(t)
	opt := quick()
	opt.Deadline = time.Second
	for _, input := range [][]byte{[]byte("GET / HTTP/1.0\r\n\r\n"), bytes.Repeat([]byte{0x4e}, 100), nil} {
		conn, served := serveOnceWith(t, bob, opt, nil)
		if _, err := conn.Write(input); err != nil { // nil: a peer that connects and stalls
			t.Fatal(err)
		}
		select {
		case err := <-served:
			if err == nil {
				t.Errorf("%q: session accepted", input)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("%q: daemon still waiting", input)
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A peer that disconnects at every step leaves the spool consistent: no
// packet is lost from tx, nothing half-written is in rx.
func TestDisconnectAtEveryStep(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	id := queue(t, alice, bob, 500000, 224)
	for _, cut := range []int{0, 10, 100, 40000, 70000, 200000, 400000} {
		conn, served := serveOnce(t, bob, func(c net.Conn) io.ReadWriteCloser { return &cutAfter{conn: c, left: cut} })
		// Cut at every step: most calls fail, which is the point; what
		// is checked is that nothing is lost.
		_, _ = call.Call(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], conn, quick())
		_ = conn.Close()
		if err := <-served; err != nil {
			t.Logf("cut at %d: the serving side: %v", cut, err) // may fail too
		}
		if !alice.sp.Has(bob.c.Self.ID, spool.TX, id) && !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
			t.Fatalf("cut at %d: packet lost", cut)
		}
		if bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
			if ok, _ := bob.sp.Verify(alice.c.Self.ID, spool.RX, id); !ok {
				t.Fatalf("cut at %d: damaged packet in rx", cut)
			}
		}
	}
	// Finally a clean session completes the transfer.
	if _, cerr, serr := session(t, alice, bob, quick(), quick()); cerr != nil || serr != nil {
		t.Fatal(cerr, serr)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
		t.Fatal("never delivered")
	}
}

// cutAfter closes the connection after reading `left` bytes.
type cutAfter struct {
	conn net.Conn
	left int
}

func (c *cutAfter) Read(p []byte) (int, error) {
	if c.left <= 0 {
		_ = c.conn.Close()
		return 0, io.EOF
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.conn.Read(p)
	c.left -= n
	return n, err
}

func (c *cutAfter) Write(p []byte) (int, error) { return c.conn.Write(p) }
func (c *cutAfter) Close() error                { return c.conn.Close() }

// A transfer longer than NNCPDEADLINE must not trip over a read deadline
// left from the handshake.
func TestLongSessionOutlivesDeadline(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	id := queue(t, alice, bob, 4<<20, 224)
	opt, bobOpt := quick(), quick()
	// 2 s, not 1: the point is a transfer several deadlines long, and on
	// a loaded machine (the suite runs its tests in parallel) a second's
	// stall between two chunks is common enough to end it.
	opt.Deadline, bobOpt.Deadline = 2*time.Second, 2*time.Second
	opt.TxRate = 12 // 64 chunks at 12/s: about 5.3 s
	if _, cerr, serr := session(t, alice, bob, opt, bobOpt); cerr != nil || serr != nil {
		t.Fatal(cerr, serr)
	}
	if !bob.sp.Has(alice.c.Self.ID, spool.RX, id) {
		t.Fatal("not delivered")
	}
}

// serveOnce runs bob's side of one session on a fresh 127.0.0.1 listener
// (through wrap, when given) and returns the caller's connection and the
// session's result.
func serveOnce(t *testing.T, bob *node, wrap func(net.Conn) io.ReadWriteCloser) (net.Conn, chan error) {
	t.Helper()
	return serveOnceWith(t, bob, quick(), wrap)
}

// serveOnceWith is serveOnce with bob's session options.
func serveOnceWith(t *testing.T, bob *node, opt call.Options, wrap func(net.Conn) io.ReadWriteCloser) (net.Conn, chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		defer func() { _ = l.Close() }()
		conn, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer func() { _ = conn.Close() }()
		var rw io.ReadWriteCloser = conn
		if wrap != nil {
			rw = wrap(conn)
		}
		_, err = call.Serve(context.Background(), bob.sp, bob.c, rw, opt)
		served <- err
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return conn, served
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
