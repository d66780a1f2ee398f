package call_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"runtime"
	"testing"

	"github.com/flynn/noise"
	"go.uber.org/goleak"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// maxRefusalAlloc bounds what one refused handshake may allocate: a
// flood of them must not cost the daemon more than a few envelopes each.
const maxRefusalAlloc = 2 << 20

// FuzzHandshake feeds bytes to the daemon as a caller's first words:
// the first envelope is Noise message 1. Whatever they are, the daemon
// answers (writes message 2) only to a configured neighbour, checked by
// decoding the message independently; it refuses everyone else without
// a byte, within bounded memory, and leaves no goroutine behind.
func FuzzHandshake(f *testing.F) {
	dir := f.TempDir()
	bob := fuzzConfig(f, "bob", dir)
	alice := fuzzConfig(f, "alice", dir)
	carol := fuzzConfig(f, "carol", dir)
	bsp, err := spool.Open(bob.Spool, bob.Self.ID, spool.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	halts := func(infos []byte) []byte {
		for range sp.HaltPadding(len(infos)) {
			infos = (&sp.Msg{Type: sp.TypeHalt}).Append(infos)
		}
		return infos
	}
	info := (&sp.Msg{Type: sp.TypeInfo, Nice: 96, Size: 480, Hash: packet.ID{1}}).Append(nil)
	stranger, _ := noise.DH25519.GenerateKeypair(rand.Reader)
	bobPub := bob.Self.NoisePub[:]
	_, fromAlice := msg1(f, noiseKey(alice), bobPub, halts(nil))
	_, withInfo := msg1(f, noiseKey(alice), bobPub, halts(info))
	_, fromCarol := msg1(f, noiseKey(carol), bobPub, nil)
	_, fromStranger := msg1(f, stranger, bobPub, halts(nil))
	_, fromSelf := msg1(f, noiseKey(bob), bobPub, nil)
	_, toCarol := msg1(f, noiseKey(alice), carol.Self.NoisePub[:], nil)
	for _, m := range [][]byte{fromAlice, withInfo, fromCarol, fromStranger, fromSelf, toCarol} {
		f.Add(framed(m))
	}
	f.Add(framed(fromAlice)[:100])
	f.Add(append(framed(fromAlice), framed([]byte("garbage after the handshake"))...))
	f.Add(framed(fromStranger[:95]))
	f.Add(framed(nil))
	f.Add([]byte("NNCPS\x00\x00\x01\xff\xff\xff\xff"))

	f.Fuzz(func(t *testing.T, b []byte) {
		want := knownCaller(bob, b)
		conn := &scriptConn{r: bytes.NewReader(b)}
		leaks := goleak.IgnoreCurrent()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st, err := call.Serve(context.Background(), bsp, bob, conn, call.Options{})
		runtime.ReadMemStats(&after)
		goleak.VerifyNone(t, leaks)
		answered := conn.written() > 0
		switch {
		case want == nil && answered:
			t.Fatalf("answered a caller that is no neighbour (%d bytes; stats %+v, err %v)", conn.written(), st, err)
		case want == nil && err == nil:
			t.Fatal("a caller that is no neighbour got a session without error")
		case want == nil && after.TotalAlloc-before.TotalAlloc > maxRefusalAlloc:
			t.Fatalf("a refused handshake allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
		case want != nil && !answered:
			t.Fatalf("neighbour %s got no answer: %v", want.Name, err)
		case want != nil && st.Node != want.Name:
			t.Fatalf("the session with %s is reported as with %q", want.Name, st.Node)
		}
	})
}
