package packet

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/zeebo/blake3"
)

// noise returns n bytes in which no two blocks are alike, so a leaf
// hashed into the wrong place changes the root.
func noise(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	_, _ = r.Read(b)
	return b
}

// small is a geometry whose batch and window edges small inputs cross.
var small = readAtGeom{batch: 2 * BlockSize, window: 3}

// TestReadAtMTHMatchesSequential: reading at offsets on two goroutines
// gives the sequential root around every block, batch, window and lead
// edge, in both geometries, fresh, after a Write and resumed.
func TestReadAtMTHMatchesSequential(t *testing.T) {
	const B = BlockSize
	big := noise(mthParallelAfter+5*small.batch*small.window+3*B, 1)
	var sizes []int
	for _, base := range []int{0, B, mthParallelAfter, mthParallelAfter + small.batch,
		mthParallelAfter + small.batch*small.window, mthParallelAfter + 2*small.batch*small.window + small.batch} {
		for _, d := range []int{-B - 1, -B, -1, 0, 1, B - 1, B, B + 1} {
			if n := base + d; n >= 0 && n <= len(big) {
				sizes = append(sizes, n)
			}
		}
	}
	if testing.Short() { // -race: every hand-off, fewer sizes
		sizes = []int{0, mthParallelAfter + 1, mthParallelAfter + small.batch*small.window + B + 1}
	}
	for _, g := range []readAtGeom{small, {readAtBatch, readAtWindowLen}, {BlockSize, 1}} {
		for _, n := range sizes {
			in := big[:n]
			want := sequentialMTH(in)
			m := NewMTH().Parallel()
			if k, err := m.readAtFrom(bytes.NewReader(in), 0, nil, g); err != nil || k != int64(n) || m.Sum() != want {
				t.Fatalf("geom %v size %d: got %d bytes, %v, or a wrong root", g, n, k, err)
			}
			// Written in part first: ReadAtFrom starts mid-block.
			m = NewMTH().Parallel()
			w := min(n, 5000)
			m.Write(in[:w])
			if _, err := m.readAtFrom(bytes.NewReader(in), int64(w), nil, g); err != nil || m.Sum() != want {
				t.Fatalf("geom %v size %d: Write then ReadAtFrom differs (%v)", g, n, err)
			}
			for _, off := range []int{1, B, B + 7, mthParallelAfter + 3} {
				if off > n {
					continue
				}
				m := NewMTHAt(int64(off)).Parallel()
				if _, err := m.readAtFrom(bytes.NewReader(in), int64(off), nil, g); err != nil {
					t.Fatal(err)
				}
				if err := m.Prepend(bytes.NewReader(in)); err != nil || m.Sum() != want {
					t.Fatalf("geom %v size %d off %d: resumed differs (%v)", g, n, off, err)
				}
			}
		}
	}
}

// TestReadAtMTHOrder: swapping two leaves of the input changes the root
// the ReadAt path gives, so it cannot pass by hashing leaves out of order.
func TestReadAtMTHOrder(t *testing.T) {
	in := noise(mthParallelAfter+4*small.batch*small.window, 2)
	swapped := bytes.Clone(in)
	a, b := mthParallelAfter+small.batch, mthParallelAfter+small.batch*small.window+BlockSize
	copy(swapped[a:a+BlockSize], in[b:b+BlockSize])
	copy(swapped[b:b+BlockSize], in[a:a+BlockSize])
	for _, data := range [][]byte{in, swapped} {
		m := NewMTH().Parallel()
		if _, err := m.readAtFrom(bytes.NewReader(data), 0, nil, small); err != nil || m.Sum() != sequentialMTH(data) {
			t.Fatal("ReadAt root differs from the sequential one")
		}
	}
	if sequentialMTH(in) == sequentialMTH(swapped) {
		t.Fatal("swapped leaves give the same root: the test proves nothing")
	}
}

// shortAt is a ReaderAt over data that returns short at the batch
// starting at cut (n bytes there, then err), yet full data after it, as
// a file growing between two reads would.
type shortAt struct {
	data   []byte
	cut, n int
	err    error
}

func (s *shortAt) ReadAt(p []byte, off int64) (int, error) {
	if int(off) == s.cut {
		return copy(p, s.data[off:off+int64(s.n)]), s.err
	}
	if int(off) >= len(s.data) {
		return 0, io.EOF
	}
	k := copy(p, s.data[off:])
	if k < len(p) {
		return k, io.EOF
	}
	return k, nil
}

// A short batch ends the input there, even when later batches are full;
// its error, unless io.EOF, reaches the caller with what was read before
// it hashed; no goroutine is left behind.
func TestReadAtMTHShort(t *testing.T) {
	in := noise(mthParallelAfter+4*small.batch*small.window, 3)
	boom := errors.New("boom")
	before := runtime.NumGoroutine()
	for _, c := range []struct {
		cut, n int
		err    error
	}{
		{mthParallelAfter + small.batch, 7, io.EOF},
		{mthParallelAfter + small.batch*small.window, 0, io.EOF},
		{mthParallelAfter + 2*small.batch, BlockSize + 5, boom},
		{mthParallelAfter, 3, nil},
	} {
		m := NewMTH().Parallel()
		k, err := m.readAtFrom(&shortAt{data: in, cut: c.cut, n: c.n, err: c.err}, 0, nil, small)
		want := c.err
		if want == io.EOF {
			want = nil
		} else if want == nil {
			want = io.ErrNoProgress
		}
		if !errors.Is(err, want) || k != int64(c.cut+c.n) {
			t.Fatalf("cut %d: got %d bytes, %v; want %d, %v", c.cut, k, err, c.cut+c.n, want)
		}
		if err == nil && m.Sum() != sequentialMTH(in[:c.cut+c.n]) {
			t.Fatalf("cut %d: root differs", c.cut)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}

// A sequential hasher reads in order through ReadFrom; the meter counts
// every byte on either path.
func TestReadAtMTHSequentialAndMeter(t *testing.T) {
	in := noise(mthParallelAfter+3*small.batch*small.window+77, 4)
	for _, par := range []bool{false, true} {
		var done int64
		meter := NewProgressMeter(func(r ProgressReport) { done = r.Done }, "x", int64(len(in)))
		m := NewMTH()
		if par {
			m.Parallel()
		}
		if _, err := m.readAtFrom(bytes.NewReader(in), 0, meter, small); err != nil || m.Sum() != sequentialMTH(in) {
			t.Fatalf("parallel %v: %v or a wrong root", par, err)
		}
		meter.Finish()
		if done != int64(len(in)) {
			t.Fatalf("parallel %v: meter counted %d of %d", par, done, len(in))
		}
	}
}

// FuzzReadAtMTH: parallel ReadAt equals sequential for any size, start
// and geometry.
func FuzzReadAtMTH(f *testing.F) {
	f.Add(uint32(mthParallelAfter+3*BlockSize+1), uint32(0), uint8(2), uint8(3))
	f.Add(uint32(mthParallelAfter+7*BlockSize-1), uint32(BlockSize+1), uint8(1), uint8(1))
	f.Add(uint32(0), uint32(0), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, size, off uint32, blocks, window uint8) {
		n := int(size % (mthParallelAfter + 24*BlockSize))
		o := int(off) % (n + 1)
		g := readAtGeom{batch: (int(blocks)%4 + 1) * BlockSize, window: int(window)%5 + 1}
		in := noise(n, uint64(size))
		m := NewMTHAt(int64(o)).Parallel()
		if _, err := m.readAtFrom(bytes.NewReader(in), int64(o), nil, g); err != nil {
			t.Fatal(err)
		}
		if err := m.Prepend(bytes.NewReader(in)); err != nil || m.Sum() != sequentialMTH(in) {
			t.Fatalf("size %d off %d geom %v: differs (%v)", n, o, g, err)
		}
	})
}

// The two BLAKE3 implementations agree on whole leaves (mth_block.go):
// a block hashed by either gives the same leaf, whichever this CPU uses.
func TestHashBlockMatchesZeebo(t *testing.T) {
	m := NewMTH()
	defer m.release()
	lc := newBlockHasher(true)
	for seed := range uint64(8) {
		b := noise(BlockSize, 100+seed)
		var got ID
		hashBlock(lc, b, &got)
		m.leaf = leafHashers.Get().(*blake3.Hasher)
		m.leaf.Reset()
		m.leaf.Write(b)
		var want ID
		m.leaf.Sum(want[:0])
		if got != want {
			t.Fatalf("seed %d: the whole-leaf hasher differs from zeebo/blake3", seed)
		}
		hashBlock(newBlockHasher(false), b, &got) // a CPU without AVX-512
		if got != want {
			t.Fatalf("seed %d: the fallback whole-leaf hasher differs", seed)
		}
	}
}
