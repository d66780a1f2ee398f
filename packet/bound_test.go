package packet_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ferry-dtn/ferry/packet"
)

// TestBoundStopsAtPacketEnd: whatever follows a packet (a huge tail on a
// medium, the rest of a tar entry) is not read past about one block, for
// every placement of the SIZE block and with outer padding.
func TestBoundStopsAtPacketEnd(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	junk := bytes.Repeat([]byte{0xA5}, 3*B)
	for _, n := range []int{0, 100, B - 276 - 16, B - 276 - 15, B - 276, 2*B - 276 - 8, 3*B + 5} {
		for _, minSize := range []int64{0, 1024, 2*B + 7} {
			pkt := seal(t, alice.self, bob.self.Peer(), payload(n), packet.WriteOptions{MinSize: minSize})
			src := &countReader{r: io.MultiReader(bytes.NewReader(pkt), bytes.NewReader(junk))}
			b := packet.NewBound(iotest.OneByteReader(src), bob.self)
			got, err := io.ReadAll(b)
			if err != nil {
				t.Fatalf("size %d min %d: %v", n, minSize, err)
			}
			if !bytes.Equal(got, pkt) {
				t.Fatalf("size %d min %d: read %d bytes, packet is %d", n, minSize, len(got), len(pkt))
			}
			if end, ok := b.End(); !ok || end != int64(len(pkt)) || !b.Ended() {
				t.Fatalf("size %d min %d: end %d %v, want %d", n, minSize, end, ok, len(pkt))
			}
			if over := src.n - int64(len(pkt)); over > B+packet.TagSize {
				t.Fatalf("size %d min %d: read %d bytes past the packet", n, minSize, over)
			}
		}
	}
}

func TestBoundPassesOthersThrough(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	pkt := seal(t, alice.self, bob.self.Peer(), payload(5000), packet.WriteOptions{})
	tail := append(bytes.Clone(pkt), "trailing"...)
	// Not ours (or no keys): everything passes, nothing is bounded.
	for _, me := range []*packet.Identity{alice.self, nil} {
		b := packet.NewBound(bytes.NewReader(tail), me)
		if got, err := io.ReadAll(b); err != nil || !bytes.Equal(got, tail) {
			t.Fatalf("unbounded read: %d bytes, %v", len(got), err)
		}
		if _, ok := b.End(); ok {
			t.Fatal("end known without our key")
		}
	}
	// Ours, but the first block is garbage: refused at once.
	bad := bytes.Clone(pkt)
	bad[packet.EncHeaderSize+3] ^= 1
	b := packet.NewBound(bytes.NewReader(append(bad, make([]byte, 1<<20)...)), bob.self)
	if got, err := io.ReadAll(b); !errors.Is(err, packet.ErrBlockAuth) || len(got) != packet.EncHeaderSize {
		t.Fatalf("garbage block 0: %d bytes, %v", len(got), err)
	}
	// A packet cut short reads to the cut without an end.
	b = packet.NewBound(bytes.NewReader(pkt[:len(pkt)-10]), bob.self)
	if got, err := io.ReadAll(b); err != nil || len(got) != len(pkt)-10 || b.Ended() {
		t.Fatalf("truncated: %d bytes, %v, ended %v", len(got), err, b.Ended())
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FuzzBound: whatever the stream, Bound hands out a prefix of it, and
// exactly the declared packet when it found an end.
func FuzzBound(f *testing.F) {
	alice, bob := loadKeyring(f, "alice"), loadKeyring(f, "bob")
	for _, n := range []int{0, 300, 2 * packet.BlockSize} {
		pkt := seal(f, alice.self, bob.self.Peer(), payload(n), packet.WriteOptions{MinSize: 4096})
		f.Add(append(pkt, "tail"...))
		f.Add(pkt[:len(pkt)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := packet.NewBound(bytes.NewReader(data), bob.self)
		got, _ := io.ReadAll(b)
		if !bytes.HasPrefix(data, got) {
			t.Fatal("handed out bytes that are not a prefix of the stream")
		}
		if end, ok := b.End(); ok && b.Ended() && end != int64(len(got)) {
			t.Fatalf("end %d, handed out %d", end, len(got))
		}
	})
}
