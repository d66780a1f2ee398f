package call_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flynn/noise"
	"go.uber.org/goleak"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// hangLimit only turns a hung session into a failure with stacks; no
// outcome depends on it.
const hangLimit = 60 * time.Second

// quietWait is how long bob may stay silent before the peer hangs up;
// maxHeard is how much the peer listens to at most (a payload of FREQs
// can ask for hundreds of MiB).
const (
	quietWait = 20 * time.Millisecond
	maxHeard  = 2 << 20
)

// sessionLab is what every FuzzSession input starts from: bob's config,
// alice's keys, a listener on 127.0.0.1 and the packets bob offers.
type sessionLab struct {
	dir        string // the configs' paths (incoming, log, spool) lie here
	bob, alice *cfg.Config
	l          net.Listener
	tx         map[packet.ID][]byte // bob's queue for alice
}

// FuzzSession completes a real handshake as alice with bob's daemon
// side, then sends the fuzzed handshake payload and three fuzzed SP
// payloads, each properly encrypted, and hangs up. Whatever they say,
// the session ends, leaves no goroutine, writes nothing outside bob's
// spool, and stores in rx only packets whose content matches their name.
func FuzzSession(f *testing.F) {
	dir := f.TempDir()
	lab := &sessionLab{dir: dir, bob: fuzzConfig(f, "bob", dir), alice: fuzzConfig(f, "alice", dir), tx: map[packet.ID][]byte{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	lab.l = l
	small, smallPkt := vectorPacket(f, "file-1byte")
	big, bigPkt := vectorPacket(f, "file-128k-plus-1")
	lab.tx[small], lab.tx[big] = smallPkt, bigPkt

	// A packet alice offers: the session checks only its MTH.
	data := []byte("a packet alice sends in the fuzz session")
	mth := packet.NewMTH()
	mth.Write(data)
	mine := mth.Sum()
	enc := func(ms ...sp.Msg) []byte {
		var b []byte
		for i := range ms {
			b = ms[i].Append(b)
		}
		return b
	}
	info := func(id packet.ID, size uint64) sp.Msg {
		return sp.Msg{Type: sp.TypeInfo, Nice: 96, Size: size, Hash: id}
	}
	file := func(id packet.ID, off uint64, d []byte) sp.Msg {
		return sp.Msg{Type: sp.TypeFile, Hash: id, Offset: off, Data: d}
	}
	freq := func(id packet.ID, off uint64) sp.Msg { return sp.Msg{Type: sp.TypeFreq, Hash: id, Offset: off} }
	done := func(id packet.ID) sp.Msg { return sp.Msg{Type: sp.TypeDone, Hash: id} }
	halt, ping := sp.Msg{Type: sp.TypeHalt}, sp.Msg{Type: sp.TypePing}
	n := uint64(len(data))
	for _, s := range [][4][]byte{
		{enc(halt, halt), nil, nil, nil},
		{enc(info(mine, n)), enc(file(mine, 0, data)), nil, nil},                                      // received whole
		{enc(info(mine, n)), enc(file(mine, 5, data[5:])), enc(file(mine, 0, data[:5])), nil},         // out of order
		{enc(info(mine, n+100)), enc(file(mine, 0, data)), nil, nil},                                  // left as .part
		{enc(info(mine, n)), enc(file(mine, 0, append(data, 'x'))), nil, nil},                         // past its size
		{enc(info(mine, n)), enc(file(mine, 0, bytes.ToUpper(data))), nil, nil},                       // damaged
		{nil, enc(freq(small, 0)), enc(done(small)), nil},                                             // bob sends one
		{nil, enc(freq(big, 0), freq(small, 10)), enc(freq(big, 70000)), enc(done(big), done(small))}, // and streams
		{nil, enc(freq(big, 1<<63)), nil, nil}, {nil, enc(freq(small, 1<<64-1)), nil, nil},            // offsets past int64
		{enc(info(mine, 1<<64-1)), enc(file(mine, 1<<64-1, nil)), enc(file(mine, 1<<62, data)), nil},
		{enc(info(mine, n), info(mine, n)), enc(ping, halt, done(mine)), enc(sp.Msg{Type: 9}), nil},
		{enc(info(mine, 1<<40)), enc(file(mine, 1<<40-n, data)), nil, nil}, // a sparse terabyte to hash
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}

	f.Fuzz(func(t *testing.T, first, p1, p2, p3 []byte) {
		lab.run(t, first, [][]byte{p1, p2, p3})
	})
}

// clip keeps a payload within what one Noise message carries.
func clip(p []byte) []byte { return p[:min(len(p), sp.MaxPayload)] }

func (lab *sessionLab) run(t *testing.T, first []byte, payloads [][]byte) {
	root := t.TempDir()
	spoolDir := filepath.Join(root, "spool")
	bsp, err := spool.Open(spoolDir, lab.bob.Self.ID, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for id, b := range lab.tx {
		tmp, err := bsp.NewTmp()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tmp.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := tmp.CommitAs(lab.alice.Self.ID, spool.TX, id); err != nil {
			t.Fatal(err)
		}
	}
	leaks := goleak.IgnoreCurrent()

	type result struct {
		st  call.Stats
		err error
	}
	served := make(chan result, 1)
	go func() {
		conn, err := lab.l.Accept()
		if err != nil {
			served <- result{err: err}
			return
		}
		defer func() { _ = conn.Close() }()
		st, err := call.Serve(context.Background(), bsp, lab.bob, conn, call.Options{})
		served <- result{st, err}
	}()
	conn, err := net.Dial("tcp", lab.l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()

	hs, m1 := msg1(t, noiseKey(lab.alice), lab.bob.Self.NoisePub[:], clip(first))
	if err := sp.WriteEnvelope(conn, m1); err != nil {
		t.Fatal(err)
	}
	m2, err := sp.ReadEnvelope(conn, nil)
	if err != nil {
		t.Fatalf("no handshake answer: %v", err)
	}
	_, out, in, err := hs.ReadMessage(nil, m2)
	if err != nil {
		t.Fatal(err)
	}
	// Read whatever bob sends until he hangs up, so his writes never
	// block on us.
	var drained sync.WaitGroup
	heard := make(chan struct{}, 1)
	var total atomic.Int64
	drained.Add(1)
	go func() {
		defer drained.Done()
		drain(conn, in, heard, &total)
	}()
	for _, p := range payloads {
		c, err := out.Encrypt(nil, nil, clip(p))
		if err != nil {
			t.Fatal(err)
		}
		if sp.WriteEnvelope(conn, c) != nil {
			break // bob ended the session already
		}
	}
	// Let bob answer a FREQ before hanging up, so what the payloads asked
	// of his sending side happens too. This wait only decides how far an
	// input gets; every check below holds whenever the hang-up comes.
	for quiet := time.NewTimer(quietWait); asksFiles(first, payloads) && total.Load() < maxHeard; {
		select {
		case <-heard:
			quiet.Reset(quietWait)
			continue
		case <-quiet.C:
		}
		break
	}
	_ = conn.(*net.TCPConn).CloseWrite() // bob may have hung up already

	var r result
	select {
	case r = <-served:
	case <-time.After(hangLimit):
		buf := make([]byte, 1<<20)
		t.Fatalf("session still running after %v:\n%s", hangLimit, buf[:runtime.Stack(buf, true)])
	}
	_ = conn.Close()
	drained.Wait()
	goleak.VerifyNone(t, leaks)

	t.Logf("session: rx %d tx %d left %q: %v", r.st.RxPkts, r.st.TxPkts, r.st.Left.String(), r.err)
	if r.st.Node != "alice" {
		t.Fatalf("session reported with %q (%v)", r.st.Node, r.err)
	}
	// The peer may end the session with nonsense, but never make bob fail
	// to read his own queue.
	var pe *fs.PathError
	if errors.As(r.err, &pe) && strings.HasPrefix(pe.Path, spoolDir) && filepath.Base(filepath.Dir(pe.Path)) == "tx" {
		t.Fatalf("the peer made reading a queued packet fail: %v", r.err)
	}
	if files := append(filesOutside(t, root, spoolDir), filesOutside(t, lab.dir, "")...); len(files) > 0 {
		t.Fatalf("files written outside the spool: %q", files)
	}
	// Bob keeps no more of a packet than alice sent of it: a FILE far
	// past what arrived would leave a sparse file to hash whole.
	sent := map[packet.ID]int64{}
	for _, p := range append([][]byte{first}, payloads...) {
		_ = sp.Decode(clip(p), func(m sp.Msg) error { // fuzzed: junk after the messages is fine here
			switch m.Type {
			case sp.TypeInfo:
				sent[m.Hash] += 0
			case sp.TypeFile:
				sent[m.Hash] += int64(len(m.Data))
			}
			return nil
		})
	}
	for id, n := range sent {
		if size, ok := bsp.PartSize(lab.alice.Self.ID, id); ok && size > n {
			t.Fatalf(".part holds %d bytes of %s, of which alice sent %d", size, id, n)
		}
		if f, err := bsp.Open(lab.alice.Self.ID, spool.RX, id); err == nil {
			fi, err := f.Stat()
			_ = f.Close() // read only
			if err == nil && fi.Size() > n {
				t.Fatalf("rx holds %d bytes of %s, of which alice sent %d", fi.Size(), id, n)
			}
		}
	}
	jobs, _, err := bsp.Jobs(lab.alice.Self.ID, spool.RX)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if ok, err := bsp.Verify(lab.alice.Self.ID, spool.RX, j.ID); !ok {
			t.Fatalf("stored %s whose content does not match its name (%v)", j.ID, err)
		}
	}
}

// drain decrypts bob's envelopes until the connection ends, telling
// heard of each and adding its size to total.
func drain(conn net.Conn, in *noise.CipherState, heard chan<- struct{}, total *atomic.Int64) {
	var buf []byte
	for {
		data, err := sp.ReadEnvelope(conn, buf)
		if err != nil {
			return
		}
		if _, err := in.Decrypt(nil, nil, data); err != nil {
			return
		}
		buf = data[:cap(data)]
		total.Add(int64(len(data)))
		select {
		case heard <- struct{}{}:
		default:
		}
	}
}

// asksFiles reports whether the payloads hold a FREQ.
func asksFiles(first []byte, payloads [][]byte) bool {
	for _, p := range append([][]byte{first}, payloads...) {
		found := false
		_ = sp.Decode(clip(p), func(m sp.Msg) error { // fuzzed: junk after the messages is fine here
			found = found || m.Type == sp.TypeFreq
			return nil
		})
		if found {
			return true
		}
	}
	return false
}
