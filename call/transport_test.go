package call

import (
	"bytes"
	"testing"

	"github.com/flynn/noise"
)

// handshakePair runs a Noise NN handshake in memory and returns the
// initiator's sending state and the responder's matching receiving one.
func handshakePair(t *testing.T) (enc, dec *noise.CipherState) {
	t.Helper()
	a, err := noise.NewHandshakeState(noise.Config{CipherSuite: cipherSuite, Pattern: noise.HandshakeNN, Initiator: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := noise.NewHandshakeState(noise.Config{CipherSuite: cipherSuite, Pattern: noise.HandshakeNN})
	if err != nil {
		t.Fatal(err)
	}
	m1, _, _, err := a.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := b.ReadMessage(nil, m1); err != nil {
		t.Fatal(err)
	}
	m2, bIn, _, err := b.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, aOut, _, err := a.ReadMessage(nil, m2)
	if err != nil {
		t.Fatal(err)
	}
	return aOut, bIn
}

// countingWriter records each Write call.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// Payloads queued together leave in one write and come out on the other
// side one by one, in order and intact, whatever their sizes.
func TestQueuedEnvelopesRoundTrip(t *testing.T) {
	t.Parallel()
	aEnc, bDec := handshakePair(t)
	var wire countingWriter
	tx := newTransport(&wire, aEnc, nil)
	var sent [][]byte
	for i, n := range []int{0, 1, 3, 4, 5, 517, 4096, 65000} {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		sent = append(sent, p)
		if err := tx.queue(p); err != nil {
			t.Fatal(err)
		}
	}
	if wire.writes != 0 {
		t.Fatalf("%d writes before flush", wire.writes)
	}
	if err := tx.flush(); err != nil {
		t.Fatal(err)
	}
	if wire.writes != 1 || tx.pending() != 0 {
		t.Fatalf("flush: %d writes, %d bytes left queued", wire.writes, tx.pending())
	}
	rx := newTransport(&wire, nil, bDec)
	for i, want := range sent {
		got, err := rx.recv()
		if err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("payload %d: got %d bytes, want %d", i, len(got), len(want))
		}
	}
	if _, err := rx.recv(); err == nil {
		t.Fatal("more payloads than were sent")
	}
}
