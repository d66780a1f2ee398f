package packet_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// writeWith writes body as one packet with a fixed ephemeral key, in
// pieces of step bytes, sealing in batches or block by block, into out
// (emptied first: the callers reuse two buffers, so the test's time goes
// to sealing, not to allocating and zeroing packets).
func writeWith(t *testing.T, out *bytes.Buffer, alice, bob *keyring, body []byte, step int, opt packet.WriteOptions, sequential bool) []byte {
	t.Helper()
	out.Reset()
	eph := [32]byte{1, 2, 3}
	w, err := packet.NewWriterForTest(out, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, opt, eph, sequential)
	if err != nil {
		t.Fatal(err)
	}
	writeInPieces(t, w, body, step)
	return out.Bytes()
}

// TestBatchedSealMatchesSequential: sealing full blocks in parallel
// batches must not change a byte of the packet, for lengths around the
// point where batching starts, around every batch edge, and where the
// SIZE block splits, written in pieces that cross those edges.
func TestBatchedSealMatchesSequential(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	counts, deltas := []int{0, 1, 7, 8, 9, 15, 16, 17, 24, 25, 33}, []int{-277, -276, -275, -260, -1, 0, 5}
	if testing.Short() {
		// make test's -race run: the batching goroutines still run from
		// the first batch, over a full one and a part one at Close, with
		// the SIZE block split; the edges' full matrix runs without -short.
		counts, deltas = []int{8, 9, 16, 17, 33}, []int{-277, -276, 0}
	}
	var sizes []int
	for _, blocks := range counts {
		for _, d := range deltas {
			if n := blocks*B + d; n >= 0 {
				sizes = append(sizes, n)
			}
		}
	}
	// The sequential packet is the same whatever the pieces it is written
	// in (the step only moves where Write's copies cross blocks), so it
	// is made once per padding, and the batched one, written in each set
	// of pieces, must equal it.
	const padded = 40*B + 3
	var seq, bat bytes.Buffer
	for _, n := range sizes {
		body := payload(n)
		want := map[int64][]byte{}
		for _, minSize := range []int64{0, padded} {
			want[minSize] = bytes.Clone(writeWith(t, &seq, alice, bob, body, 70001, packet.WriteOptions{MinSize: minSize}, true))
		}
		for i, c := range []struct {
			step    int
			minSize int64
		}{{70001, 0}, {70001, padded}, {B, 0}, {3*B + 1, 0}, {n + 1, 0}} {
			got := writeWith(t, &bat, alice, bob, body, c.step, packet.WriteOptions{MinSize: c.minSize}, false)
			if !bytes.Equal(got, want[c.minSize]) {
				t.Fatalf("size %d step %d min %d: batched packet (%d bytes) differs from sequential (%d bytes)",
					n, c.step, c.minSize, len(got), len(want[c.minSize]))
			}
			if i == 1 {
				out, errText := readOut(bob, got, false, false)
				if errText != "" || !bytes.Equal(out, body) {
					t.Fatalf("size %d: batched packet reads back as %d bytes, %q", n, len(out), errText)
				}
			}
		}
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestBatchedSealWriteError: a failed write of a batch reaches the caller
// of Write (or of Close, for the last batch) and sticks.
func TestBatchedSealWriteError(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	for _, room := range []int{12 * B, 20 * B} {
		w, err := packet.NewWriter(&failAfter{n: room}, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		body := payload(20*B + 7)
		var werr error
		for p := body; len(p) > 0 && werr == nil; {
			k := min(len(p), 50000)
			_, werr = w.Write(p[:k])
			p = p[k:]
		}
		cerr := w.Close()
		if !errors.Is(werr, errDiskFull) && !errors.Is(cerr, errDiskFull) {
			t.Fatalf("room %d: write error lost: Write %v, Close %v", room, werr, cerr)
		}
		if _, err := w.Write([]byte{1}); err == nil {
			t.Fatalf("room %d: Write after a failed write succeeded", room)
		}
	}
}
