package packet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"unsafe"

	"github.com/ferry-dtn/ferry/packet"
)

// readEach reads b to its end with reads of size (0: one byte at a
// time), and says whether the source was ever given the reader's own
// buffer to fill.
func readEach(b *packet.Bound, src *aliasReader, size int) ([]byte, bool, error) {
	var out []byte
	if size == 0 {
		size = 1
	}
	buf := make([]byte, size)
	src.into = buf
	for {
		n, err := b.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, src.aliased, nil
		}
		if err != nil {
			return out, src.aliased, err
		}
	}
}

// aliasReader notes whether a Read was given a slice of into.
type aliasReader struct {
	r       io.Reader
	into    []byte
	aliased bool
}

func (a *aliasReader) Read(p []byte) (int, error) {
	if len(p) > 0 && len(a.into) > 0 {
		lo, hi := uintptr(unsafe.Pointer(&a.into[0])), uintptr(unsafe.Pointer(&a.into[len(a.into)-1]))
		if q := uintptr(unsafe.Pointer(&p[0])); q >= lo && q <= hi {
			a.aliased = true
		}
	}
	return a.r.Read(p)
}

// TestBoundReadsInto: reads of a block or more get the blocks read
// straight into the reader's buffer, and hand out the same bytes, end
// and errors as one-byte reads, for intact packets of every SIZE-block
// placement with a tail after them, packets cut short, a garbage first
// block and a packet not for us.
func TestBoundReadsInto(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	junk := bytes.Repeat([]byte{0x5A}, 2*B+3)
	type tc struct {
		name   string
		stream []byte
		me     *packet.Identity
	}
	var cases []tc
	for _, n := range []int{0, 100, B - 276 - 16, B - 276, 2*B - 276 - 8, 3*B + 5} {
		for _, minSize := range []int64{0, 2*B + 7} {
			pkt := seal(t, alice.self, bob.self.Peer(), payload(n), packet.WriteOptions{MinSize: minSize})
			name := fmt.Sprintf("size %d min %d", n, minSize)
			cases = append(cases, tc{name + " tail", append(bytes.Clone(pkt), junk...), bob.self},
				tc{name + " cut", pkt[:len(pkt)-len(pkt)/3], bob.self},
				tc{name + " not ours", pkt, alice.self})
		}
	}
	bad := seal(t, alice.self, bob.self.Peer(), payload(3*B), packet.WriteOptions{})
	bad[packet.EncHeaderSize+5] ^= 1
	cases = append(cases, tc{"garbage block 0", bad, bob.self})
	for _, c := range cases {
		ref := packet.NewBound(bytes.NewReader(c.stream), c.me)
		want, _, wantErr := readEach(ref, &aliasReader{r: bytes.NewReader(c.stream)}, 0)
		wantEnd, wantOK := ref.End()
		for _, size := range []int{B + packet.TagSize, 2*B + 100, 4 << 20} {
			src := &aliasReader{r: bytes.NewReader(c.stream)}
			b := packet.NewBound(src, c.me)
			got, aliased, err := readEach(b, src, size)
			end, ok := b.End()
			if !bytes.Equal(got, want) || !errors.Is(err, wantErr) && fmt.Sprint(err) != fmt.Sprint(wantErr) ||
				end != wantEnd || ok != wantOK || b.Ended() != ref.Ended() {
				t.Fatalf("%s, reads of %d: %d bytes, %v, end %d %v; one-byte reads: %d bytes, %v, end %d %v",
					c.name, size, len(got), err, end, ok, len(want), wantErr, wantEnd, wantOK)
			}
			if len(c.stream) > packet.EncHeaderSize+B+packet.TagSize && !aliased {
				t.Errorf("%s, reads of %d: no block was read straight into the buffer", c.name, size)
			}
		}
	}
}
