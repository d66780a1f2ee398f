package packet_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ferry-dtn/ferry/packet"
)

// pieces yields b at most step bytes per Read; with last, the final
// bytes come together with io.EOF.
type pieces struct {
	b    []byte
	step int
	last bool
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.step)], p.b)
	p.b = p.b[n:]
	if p.last && len(p.b) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// TestReadFromMatchesWrite: a packet filled by ReadFrom, which reads
// straight into its blocks, is byte for byte the one Write makes, for
// lengths at the block, batch and SIZE-block edges and reads of any size.
func TestReadFromMatchesWrite(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	for _, n := range []int{0, 1, B - 277, B - 1, B, B + 1, 8*B - 276, 9*B + 5, 17*B - 1} {
		body := payload(n)
		var wb bytes.Buffer
		want := writeWith(t, &wb, alice, bob, body, B, packet.WriteOptions{}, false)
		for _, r := range []io.Reader{
			&pieces{b: body, step: 70001}, &pieces{b: body, step: B, last: true},
			&pieces{b: body, step: 3*B + 1}, iotest.HalfReader(&pieces{b: body, step: 1 << 20, last: true}),
		} {
			var out bytes.Buffer
			w, err := packet.NewWriterForTest(&out, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, packet.WriteOptions{}, [32]byte{1, 2, 3}, false)
			if err != nil {
				t.Fatal(err)
			}
			if k, err := w.ReadFrom(r); err != nil || k != int64(n) {
				t.Fatalf("size %d: ReadFrom took %d bytes, %v", n, k, err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("size %d, reads of %T: packet (%d bytes) differs from Write's (%d bytes)", n, r, out.Len(), len(want))
			}
		}
	}
}

// TestReadFromLimits: MaxSize holds as it does for Write (the largest
// input Write takes in one piece ReadFrom takes too, one byte more is
// ErrTooBig for both), and a read error comes back as it is.
func TestReadFromLimits(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	n := 3*packet.BlockSize + 7
	body := payload(n)
	newW := func(max int64) *packet.Writer {
		w, err := packet.NewWriter(io.Discard, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, packet.WriteOptions{MaxSize: max})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	tooBig := 0
	for lim := int64(n - 400); lim <= int64(n+400); lim++ {
		_, werr := newW(lim).Write(body)
		_, rerr := newW(lim).ReadFrom(&pieces{b: body, step: 70001})
		if !errors.Is(rerr, werr) || (werr != nil && !errors.Is(werr, packet.ErrTooBig)) {
			t.Fatalf("max %d: ReadFrom %v, Write %v", lim, rerr, werr)
		}
		if werr != nil {
			tooBig++
		}
	}
	if tooBig == 0 || tooBig == 801 {
		t.Fatalf("the limit was never crossed (%d of 801 too big): the test needs other sizes", tooBig)
	}
	broken := errors.New("source broken")
	w, err := packet.NewWriter(io.Discard, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, packet.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ReadFrom(io.MultiReader(&pieces{b: body, step: 70001}, iotest.ErrReader(broken))); !errors.Is(err, broken) {
		t.Errorf("a failing source: %v, want %v", err, broken)
	}
}
