// Package call runs online sessions of NNCP's sync protocol: a Noise-IK
// handshake over any byte stream, then both directions of packet exchange
// at once, resumable and by priority.
//
//	initiator                         responder
//	  msg1: e, es, s, ss + INFOs  -->   find caller by its static key
//	                              <--   msg2: e, ee, se + INFOs
//	  transport: one SP payload per Noise message, both ways
package call

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flynn/noise"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

var cipherSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2b)

// ErrUnknownPeer is returned when a caller's static key belongs to no
// neighbour; it gets no second message.
var ErrUnknownPeer = errors.New("unknown peer")

// transport is the encrypted channel after the handshake.
type transport struct {
	rw       io.ReadWriter
	br       *bufio.Reader // many envelopes per read system call
	enc, dec *noise.CipherState
	buf      []byte
	out      []byte // reused envelope buffer
}

func newTransport(rw io.ReadWriter, enc, dec *noise.CipherState) *transport {
	return &transport{rw: rw, br: bufio.NewReaderSize(rw, 256<<10), enc: enc, dec: dec}
}

// queue encrypts payload straight into the envelope buffer; flush writes
// what is queued. No allocation per message once the buffer has grown.
func (t *transport) queue(payload []byte) error {
	out, err := sp.AppendEnvelope(t.out, func(b []byte) ([]byte, error) {
		return t.enc.Encrypt(b, nil, payload)
	})
	t.out = out
	return err
}

// pending is how many bytes are queued.
func (t *transport) pending() int { return len(t.out) }

func (t *transport) flush() error {
	_, err := t.rw.Write(t.out)
	t.out = t.out[:0]
	return err
}

func (t *transport) recv() ([]byte, error) {
	data, err := sp.ReadEnvelope(t.br, t.buf)
	if err != nil {
		return nil, err
	}
	t.buf = data[:cap(data)]
	return t.dec.Decrypt(data[:0], nil, data)
}

func b32(b []byte) string { return packet.B32.EncodeToString(b) }

func selfKey(c *cfg.Config) noise.DHKey {
	return noise.DHKey{Private: c.Self.NoisePrv[:], Public: c.Self.NoisePub[:]}
}

// padded appends NNCP's HALT padding to a handshake payload.
func padded(infos []byte) []byte {
	halt := (&sp.Msg{Type: sp.TypeHalt}).Append(nil)
	for range sp.HaltPadding(len(infos)) {
		infos = append(infos, halt...)
	}
	return infos
}

// handshakeInitiator runs the caller's side: message 1 with our first
// INFO batch, then the responder's message 2 with theirs.
func handshakeInitiator(rw io.ReadWriter, c *cfg.Config, node *cfg.Node, infos []byte, deadline time.Duration) (*transport, []byte, error) {
	m, err := newMessage1(c, node, infos)
	if err != nil {
		return nil, nil, err
	}
	return m.exchange(rw, deadline)
}

// message1 is the caller's first handshake message, computed before the
// connection exists (see CallDial), with the state that reads the answer.
type message1 struct {
	hs  *noise.HandshakeState
	msg []byte
}

func newMessage1(c *cfg.Config, node *cfg.Node, infos []byte) (*message1, error) {
	if node.NoisePub == nil {
		return nil, fmt.Errorf("%s has no noisepub: it cannot be called", node.Name)
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: cipherSuite, Pattern: noise.HandshakeIK, Initiator: true,
		StaticKeypair: selfKey(c), PeerStatic: node.NoisePub[:],
	})
	if err != nil {
		return nil, err
	}
	msg1, _, _, err := hs.WriteMessage(nil, padded(infos))
	if err != nil {
		return nil, err
	}
	return &message1{hs: hs, msg: msg1}, nil
}

// exchange sends message 1 over rw and reads the responder's message 2.
func (m *message1) exchange(rw io.ReadWriter, deadline time.Duration) (*transport, []byte, error) {
	hs, msg1 := m.hs, m.msg
	if err := setDeadline(rw, false, deadline); err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	if err := sp.WriteEnvelope(rw, msg1); err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", &NoAnswerError{err})
	}
	if err := setDeadline(rw, true, deadline); err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	data, err := sp.ReadEnvelope(rw, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", &NoAnswerError{err})
	}
	payload, cs1, cs2, err := hs.ReadMessage(nil, data)
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	// From here on silence is judged by the session's timers, not by a
	// read deadline left over from the handshake.
	if err := setDeadline(rw, true, 0); err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	return newTransport(rw, cs1, cs2), payload, nil
}

// handshakeResponder reads message 1, identifies the caller among the
// neighbours by its static key, and answers with our INFOs (which infos
// produces once the caller is known). An unknown caller gets nothing.
func handshakeResponder(rw io.ReadWriter, c *cfg.Config, infos func(*cfg.Node) ([]byte, error), deadline time.Duration) (*transport, *cfg.Node, []byte, error) {
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: cipherSuite, Pattern: noise.HandshakeIK, Initiator: false,
		StaticKeypair: selfKey(c),
	})
	if err != nil {
		return nil, nil, nil, err
	}
	until := time.Now().Add(deadline)
	data, err := readMessage1(rw, deadline)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("handshake: %w", err)
	}
	var payload []byte
	compute := func() { payload, _, _, err = hs.ReadMessage(nil, data) }
	gate, gated := rw.(admitter)
	if gated {
		if werr := gate.computeMessage1(until, compute); werr != nil {
			return nil, nil, nil, fmt.Errorf("handshake: %w", werr)
		}
	} else {
		compute()
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("handshake: %w", err)
	}
	var node *cfg.Node
	peer := hs.PeerStatic()
	for _, n := range c.Neigh {
		if n.NoisePub != nil && subtle.ConstantTimeCompare(n.NoisePub[:], peer) == 1 {
			node = n
			break
		}
	}
	if node == nil || node.Name == "self" {
		return nil, nil, nil, fmt.Errorf("%w: %s", ErrUnknownPeer, b32(peer))
	}
	if gated {
		if err := gate.admit(); err != nil {
			return nil, node, nil, fmt.Errorf("handshake with %s: %w", node.Name, err)
		}
	}
	ours, err := infos(node)
	if err != nil {
		return nil, node, nil, err
	}
	msg2, cs1, cs2, err := hs.WriteMessage(nil, padded(ours))
	if err != nil {
		return nil, node, nil, err
	}
	if err := setDeadline(rw, false, deadline); err != nil {
		return nil, node, nil, fmt.Errorf("handshake: %w", err)
	}
	if err := sp.WriteEnvelope(rw, msg2); err != nil {
		return nil, node, nil, fmt.Errorf("handshake: %w", err)
	}
	if err := setDeadline(rw, true, 0); err != nil {
		return nil, node, nil, fmt.Errorf("handshake: %w", err)
	}
	return newTransport(rw, cs2, cs1), node, payload, nil
}

// firstByteDeadline is how long a new connection may stay silent: a
// caller sends message 1 as soon as it is connected, so a few seconds
// are plenty, and a connection that says nothing is let go long before
// the whole handshake's deadline.
const firstByteDeadline = 5 * time.Second

// readMessage1 reads the responder's first message: its first byte
// within firstByteDeadline (or deadline, when shorter), all of it within
// deadline of the start.
func readMessage1(rw io.ReadWriter, deadline time.Duration) ([]byte, error) {
	start := time.Now()
	dl, timed := rw.(deadliner)
	if timed {
		if err := ignoreNoDeadline(dl.SetReadDeadline(start.Add(min(firstByteDeadline, deadline)))); err != nil {
			return nil, err
		}
	}
	var first [1]byte
	if _, err := io.ReadFull(rw, first[:]); err != nil {
		return nil, fmt.Errorf("nothing received: %w", err)
	}
	if a, ok := rw.(admitter); ok {
		a.heard()
	}
	if timed {
		if err := ignoreNoDeadline(dl.SetReadDeadline(start.Add(deadline))); err != nil {
			return nil, err
		}
	}
	return sp.ReadEnvelope(io.MultiReader(bytes.NewReader(first[:]), rw), nil)
}

// admitter is implemented by the daemon's connections (admission.go):
// the responder says when a connection has spoken, computes message 1
// when it gives a turn, and asks it for a session slot once the caller
// is known.
type admitter interface {
	heard() // the first byte has come: the connection is no longer silent
	computeMessage1(until time.Time, fn func()) error
	admit() error
}

// NoAnswerError is the initiator's error when the responder cut the
// connection or stayed silent instead of answering message 1. A daemon
// gives no reason (the protocol has no refusal message), so Hint lists
// the usual ones.
type NoAnswerError struct{ Err error }

func (e *NoAnswerError) Error() string { return "no answer: " + e.Err.Error() }
func (e *NoAnswerError) Unwrap() error { return e.Err }

// Hint is printed after the error by the command line.
func (e *NoAnswerError) Hint() string {
	return "the daemon may be full (see its log), may not know our key (its neigh entry for us needs our noisepub), " +
		"or the noisepub we have for it may be wrong (compare with its ferry cfgmin)"
}
