package sp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// countingReader counts what ReadEnvelope takes from the stream.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func envelope(data []byte) []byte {
	var b bytes.Buffer
	if err := WriteEnvelope(&b, data); err != nil {
		panic(err) // a seed too large to frame: a mistake in the seeds
	}
	return b.Bytes()
}

// An accepted envelope is exactly one frame: it re-encodes to the bytes
// it was read from (pad bytes aside, which NNCP does not check either),
// and the reader never takes more than one maximal frame from the stream.
func FuzzReadEnvelope(f *testing.F) {
	spec, _ := hex.DecodeString("4e4e435053000001" + "00000005" + "0102030405" + "000000") // sync-protocol.md §2
	f.Add(spec)
	f.Add(envelope(nil))
	f.Add(envelope(bytes.Repeat([]byte{7}, 96))) // a handshake-sized frame
	f.Add(append(envelope([]byte("ab")), envelope([]byte("cde"))...))
	f.Add(append(append(packet.MagicSP[:], 0, 2, 0, 1), 9, 9)) // MaxEnvelope+1 declared
	f.Add(append(packet.MagicSP[:], 0xff, 0xff, 0xff, 0xff))
	f.Add([]byte("NNCPS\x00\x00\x02\x00\x00\x00\x01x\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cr := &countingReader{r: bytes.NewReader(b)}
		data, err := ReadEnvelope(cr, nil)
		if cr.n > 12+MaxEnvelope+3 {
			t.Fatalf("read %d bytes for one envelope", cr.n)
		}
		switch {
		case errors.Is(err, ErrBadMagic) && [8]byte(b[:8]) == packet.MagicSP:
			t.Fatalf("good magic refused: %v", err)
		case errors.Is(err, ErrTooLong) && cr.n != 12:
			t.Fatalf("read %d bytes before refusing an overlong envelope", cr.n) // nothing buffered for it
		case err != nil:
			return
		}
		if len(data) > MaxEnvelope {
			t.Fatalf("accepted a %d-byte envelope", len(data))
		}
		enc := envelope(data)
		if cr.n != len(enc) {
			t.Fatalf("read %d bytes for a %d-byte frame", cr.n, len(enc))
		}
		got := append([]byte(nil), b[:cr.n]...)
		clear(got[12+len(data):]) // the pad
		if !bytes.Equal(got, enc) {
			t.Fatalf("frame %x re-encodes as %x", b[:cr.n], enc)
		}
	})
}
