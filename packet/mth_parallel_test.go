package packet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

func sequentialMTH(in []byte) ID {
	m := NewMTH()
	m.Write(in)
	return m.Sum()
}

// The vectors, through a parallel hasher, written in pieces and read.
func TestParallelMTHVectors(t *testing.T) {
	for _, v := range mthVectors {
		in := labtest.MTHInput(v.n)
		for _, step := range []int{v.n + 1, 1000, 131073} {
			m := NewMTH().Parallel()
			for p := in; len(p) > 0; p = p[min(step, len(p)):] {
				m.Write(p[:min(step, len(p))])
			}
			id := m.Sum()
			if got := hex.EncodeToString(id[:]); got != v.want {
				t.Errorf("len %d step %d: got %s want %s", v.n, step, got, v.want)
			}
		}
		id, n, err := MTHOf(bytes.NewReader(in))
		if got := hex.EncodeToString(id[:]); err != nil || n != int64(v.n) || got != v.want {
			t.Errorf("MTHOf len %d: got %s, %d bytes, %v", v.n, got, n, err)
		}
	}
}

// TestParallelMTHMatchesSequential: hashing leaves in parallel batches,
// and ReadFrom's overlapped reading, give the sequential root for sizes
// around block and batch edges and where ReadFrom turns parallel, written
// in pieces that cross them, read in short reads, and resumed.
func TestParallelMTHMatchesSequential(t *testing.T) {
	const B = BlockSize
	bases := []int{0, B, 2 * B, mthParallelAfter, mthParallelAfter + leafBatch,
		mthParallelAfter + 2*leafBatch, leafBatch, 2 * leafBatch, 3 * leafBatch}
	deltas := []int{-B - 1, -B, -1, 0, 1, B - 1, B, B + 1}
	if testing.Short() {
		// make test's -race run: the leaf goroutines and ReadFrom's
		// overlapped reads still start, take whole and part batches and
		// resume; the edges' full matrix runs without -short.
		bases, deltas = []int{mthParallelAfter, mthParallelAfter + leafBatch, 2 * leafBatch}, []int{-B - 1, 0, 1}
	}
	var sizes []int
	for _, base := range bases {
		for _, d := range deltas {
			if n := base + d; n >= 0 {
				sizes = append(sizes, n)
			}
		}
	}
	big := labtest.MTHInput(3*leafBatch + mthParallelAfter + 2*B)
	for _, n := range sizes {
		in := big[:n]
		want := sequentialMTH(in)
		for _, step := range []int{70001, B, leafBatch, n + 1} {
			m := NewMTH().Parallel()
			for p := in; len(p) > 0; p = p[min(step, len(p)):] {
				m.Write(p[:min(step, len(p))])
			}
			if got := m.Sum(); got != want {
				t.Fatalf("size %d step %d: parallel Write differs", n, step)
			}
		}
		for _, half := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(in)
			if half {
				r = iotest.HalfReader(r)
			}
			got, k, err := MTHOf(r)
			if err != nil || k != int64(n) || got != want {
				t.Fatalf("size %d half %v: MTHOf gave %d bytes, %v, root differs %v", n, half, k, err, got != want)
			}
		}
		// Written in part first, then read: ReadFrom starts mid-block.
		m := NewMTH().Parallel()
		k := min(n, 5000)
		m.Write(in[:k])
		if _, err := m.ReadFrom(bytes.NewReader(in[k:])); err != nil || m.Sum() != want {
			t.Fatalf("size %d: Write then ReadFrom differs (%v)", n, err)
		}
		for _, off := range []int{1, B, B + 7, mthParallelAfter + 3} {
			if off > n {
				continue
			}
			m := NewMTHAt(int64(off)).Parallel()
			if _, err := m.ReadFrom(bytes.NewReader(in[off:])); err != nil {
				t.Fatal(err)
			}
			if err := m.Prepend(bytes.NewReader(in)); err != nil {
				t.Fatalf("size %d off %d: %v", n, off, err)
			}
			if m.Sum() != want {
				t.Fatalf("size %d off %d: resumed parallel hash differs", n, off)
			}
		}
	}
}

// A read error reaches the caller, with the helper joined.
func TestParallelMTHReadError(t *testing.T) {
	boom := errors.New("boom")
	in := labtest.MTHInput(mthParallelAfter + 3*leafBatch)
	for _, at := range []int{100, mthParallelAfter + leafBatch + 5} {
		r := io.MultiReader(bytes.NewReader(in[:at]), iotest.ErrReader(boom))
		if _, n, err := MTHOf(r); !errors.Is(err, boom) || n != int64(at) {
			t.Fatalf("at %d: got %d bytes, %v", at, n, err)
		}
	}
}
