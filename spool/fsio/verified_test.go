package fsio

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// Sizes around the verified writer's chunk edges: all tail, whole
// chunks only, chunks and a tail of one byte or one block less.
var verifiedSizes = []int{0, 1, directAlign, directChunk - 1, directChunk, directChunk + 1,
	3*directChunk + directAlign - 1, (verifyChunks+3)*directChunk + 12345}

func newFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(t.TempDir(), "f"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() }) // read back below; closing twice is harmless
	return f
}

// TestVerifiedWriter: the file holds what was written, the hash saw it
// in order, and on a filesystem with O_DIRECT every byte was read back.
func TestVerifiedWriter(t *testing.T) {
	t.Parallel()
	for _, n := range verifiedSizes {
		want := pattern(n)
		f := newFile(t)
		h := sha256.New()
		w := NewVerifiedWriter(f, VerifyOptions{Hash: h})
		writeOdd(t, w, want)
		verified, err := w.Finish()
		if err != nil {
			t.Fatalf("size %d: finish: %v", n, err)
		}
		if w.dfd == nil {
			t.Logf("%s refuses O_DIRECT: the caller reads back", f.Name())
		} else if !verified {
			t.Errorf("size %d: not verified on a filesystem with O_DIRECT", n)
		}
		if got, _ := os.ReadFile(f.Name()); !bytes.Equal(got, want) {
			t.Fatalf("size %d: file differs (%d bytes)", n, len(got))
		}
		if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Errorf("size %d: hash differs", n)
		}
	}
}

// TestVerifiedWriterCatchesDamage: a byte changed on the medium after it
// was written, in a whole chunk or in the tail, fails Finish (or a later
// Write) with ErrReadBack.
func TestVerifiedWriterCatchesDamage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size int
		at   int64 // offset of the damaged byte
	}{
		{100, 50},                                  // tail only
		{directChunk, 0},                           // one whole chunk
		{5*directChunk + 777, 2*directChunk + 9},   // a chunk in the middle
		{5*directChunk + 777, 5*directChunk + 776}, // the tail's last byte
	} {
		f := newFile(t)
		damage := func(off, n int64) {
			if tc.at < off || tc.at >= off+n {
				return
			}
			g, err := os.OpenFile(f.Name(), os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			b := pattern(tc.size)[tc.at : tc.at+1]
			b[0] ^= 0x40
			if _, err := g.WriteAt(b, tc.at); err != nil {
				t.Error(err)
			}
			if err := errors.Join(g.Sync(), g.Close()); err != nil {
				t.Error(err)
			}
		}
		w := NewVerifiedWriter(f, VerifyOptions{AfterWrite: damage})
		if w.dfd == nil {
			w.Abort()
			t.Skipf("%s refuses O_DIRECT: the caller's read-back is tested in package media", f.Name())
		}
		_, werr := w.Write(pattern(tc.size))
		_, err := w.Finish()
		if !errors.Is(errors.Join(werr, err), ErrReadBack) {
			t.Errorf("size %d, byte %d damaged: write %v, finish %v; want %v", tc.size, tc.at, werr, err, ErrReadBack)
		}
	}
}

func TestVerifiedWriterAbort(t *testing.T) {
	f := newFile(t)
	w := NewVerifiedWriter(f, VerifyOptions{Hash: sha256.New()})
	writeOdd(t, w, pattern(4*directChunk+5))
	w.Abort() // must return: the goroutines end (goleak checks)
	w.Abort()
	if _, err := w.Finish(); err == nil {
		t.Errorf("Finish after Abort succeeded")
	}
}

// TestVerifiedWriterReusesChunks: copying one packet after another (xfer
// of many small packets) takes its chunks from the pool instead of
// allocating the pipeline's megabytes for each copy. Not parallel: it
// counts the process's allocations.
func TestVerifiedWriterReusesChunks(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under -race (see race_on_test.go)")
	}
	dir := t.TempDir()
	for _, size := range []int{2000, 3*directChunk + 5} {
		want := pattern(size)
		copyOne := func(i int) {
			f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(size)+"."+strconv.Itoa(i)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }() // only written, and Finish synced it
			w := NewVerifiedWriter(f, VerifyOptions{})
			if w.dfd == nil {
				w.Abort()
				t.Skipf("%s refuses O_DIRECT: no chunks to reuse", f.Name())
			}
			writeOdd(t, w, want)
			if _, err := w.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		// A collection may empty the pool now and then; a copy that
		// allocated its pipeline each time would take 9 chunks.
		if per := bytesPerRun(copyOne); per > directChunk {
			t.Errorf("size %d: %d bytes allocated per copy, want at most one chunk (%d)", size, per, directChunk)
		}
	}
}

// TestVerifiedWriterAllocates: with Size, the file is that long before
// the first chunk is written (no direct write extends it, see allocate),
// and after Finish exactly as long as what was written, whether Size
// was right, too long or too short.
func TestVerifiedWriterAllocates(t *testing.T) {
	t.Parallel()
	n := 3*directChunk + 777
	for _, size := range []int64{int64(n), int64(n) + 5*directChunk, directChunk + 1} {
		f := newFile(t)
		want := pattern(n)
		var atFirst int64 = -1
		hook := func(off, _ int64) {
			if fi, err := f.Stat(); err == nil && off == 0 {
				atFirst = fi.Size()
			}
		}
		w := NewVerifiedWriter(f, VerifyOptions{Size: size, AfterWrite: hook})
		if w.dfd == nil {
			w.Abort()
			t.Skipf("%s refuses O_DIRECT: no direct chunks", f.Name())
		}
		writeOdd(t, w, want)
		verified, err := w.Finish()
		if err != nil || !verified {
			t.Fatalf("size %d: finish: %v %v", size, verified, err)
		}
		if w.end == 0 {
			t.Skipf("%s cannot allocate ahead", f.Name())
		}
		if atFirst != size {
			t.Errorf("size %d: the file was %d bytes long when its first chunk was written, want %d", size, atFirst, size)
		}
		if got, _ := os.ReadFile(f.Name()); !bytes.Equal(got, want) {
			t.Errorf("size %d: file differs (%d bytes, want %d)", size, len(got), n)
		}
	}
}

// TestVerifiedWriterNoRoom: a copy that cannot have its room allocated
// fails before a byte is written.
func TestVerifiedWriterNoRoom(t *testing.T) {
	t.Parallel()
	f := newFile(t)
	w := NewVerifiedWriter(f, VerifyOptions{Size: 1 << 60})
	if w.dfd == nil {
		w.Abort()
		t.Skipf("%s refuses O_DIRECT", f.Name())
	}
	_, werr := w.Write(pattern(directChunk + 1))
	_, err := w.Finish()
	if err = errors.Join(werr, err); !errors.Is(err, unix.ENOSPC) && !errors.Is(err, unix.EFBIG) {
		t.Errorf("write %v, finish %v; want ENOSPC or EFBIG", werr, err)
	}
}

// askReader hands out its bytes in reads of at most max, and records the
// largest buffer it was given.
type askReader struct {
	b       []byte
	max     int
	largest int
}

func (r *askReader) Read(p []byte) (int, error) {
	r.largest = max(r.largest, len(p))
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.max)], r.b)
	r.b = r.b[k:]
	return k, nil
}

// TestVerifiedWriterReadFrom: ReadFrom copies a reader's bytes, short
// reads or long ones, exactly and hashed in order, and with the direct
// pipeline reads straight into a chunk (a whole one asked for at once),
// not through a small buffer copied again.
func TestVerifiedWriterReadFrom(t *testing.T) {
	t.Parallel()
	for _, n := range verifiedSizes {
		for _, most := range []int{1000, directChunk} {
			want := pattern(n)
			f := newFile(t)
			h := sha256.New()
			w := NewVerifiedWriter(f, VerifyOptions{Hash: h, Size: int64(n)})
			r := &askReader{b: want, max: most}
			got, err := w.ReadFrom(r)
			if err != nil || got != int64(n) {
				t.Fatalf("size %d: ReadFrom %d, %v", n, got, err)
			}
			verified, err := w.Finish()
			if err != nil {
				t.Fatalf("size %d: finish: %v", n, err)
			}
			if w.dfd != nil {
				if !verified {
					t.Errorf("size %d: not verified on a filesystem with O_DIRECT", n)
				}
				if r.largest != directChunk {
					t.Errorf("size %d: the largest read asked for %d bytes, want a whole chunk (%d)", n, r.largest, directChunk)
				}
			}
			if b, _ := os.ReadFile(f.Name()); !bytes.Equal(b, want) {
				t.Fatalf("size %d, reads of %d: file differs (%d bytes)", n, most, len(b))
			}
			if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
				t.Errorf("size %d, reads of %d: hash differs", n, most)
			}
		}
	}
}

// TestVerifiedWriterCatchesDamageInFlight: whichever whole chunk is
// damaged, the first, one written while others were queued or being read
// back, the one that reuses the first's buffer, or the last, the
// read-back catches it: each is compared with its own bytes.
// And no goroutine and no chunk is left behind (TestMain's goleak,
// checkChunks). Not parallel: it counts the pool's chunks.
func TestVerifiedWriterCatchesDamageInFlight(t *testing.T) {
	const chunksN = verifyChunks + 3
	size := chunksN*directChunk + 99
	for k := range chunksN {
		f := newFile(t)
		at := int64(k)*directChunk + int64(k*4099)%directChunk
		damage := func(off, n int64) {
			if at < off || at >= off+n {
				return
			}
			g, err := os.OpenFile(f.Name(), os.O_WRONLY|unix.O_DIRECT, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = g.Close() }()
			blk := getChunk()[:directAlign]
			defer putChunk(blk)
			base := at &^ (directAlign - 1)
			copy(blk, pattern(size)[base:base+directAlign])
			blk[at-base] ^= 0x08
			if _, err := g.WriteAt(blk, base); err != nil {
				t.Error(err)
			}
		}
		w := NewVerifiedWriter(f, VerifyOptions{Size: int64(size), AfterWrite: damage})
		if w.dfd == nil {
			w.Abort()
			t.Skipf("%s refuses O_DIRECT", f.Name())
		}
		_, werr := w.Write(pattern(size))
		_, err := w.Finish()
		if !errors.Is(errors.Join(werr, err), ErrReadBack) {
			t.Errorf("chunk %d damaged at %d: write %v, finish %v; want %v", k, at, werr, err, ErrReadBack)
		}
		checkChunks(t, "chunk "+strconv.Itoa(k)+" damaged")
	}
}

// TestVerifiedWriterTakesStreamChunks: ReadFrom from a StreamReader (a
// spool packet, read ahead with O_DIRECT or through the cache) takes
// the stream's whole chunks instead of copying them, and the copy is
// exact all the same: every byte once and in order, to the file, the
// hash and Taken. A stream starting past an aligned offset has no whole
// chunk to give and is copied. Every chunk is back in the pool after.
// Not parallel: it counts the pool's chunks.
func TestVerifiedWriterTakesStreamChunks(t *testing.T) {
	for _, n := range []int{directReadAfter + 1, 3 * directChunk, 3*directChunk + 777} {
		want := pattern(n)
		src := filepath.Join(t.TempDir(), "src")
		if err := os.WriteFile(src, want, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			m    readMode
			from int
		}{{readMode{ignoreCache: true}, 0}, {readMode{cached: true}, 0}, {readMode{ignoreCache: true}, 5}} {
			what := fmt.Sprintf("size %d, %+v from %d", n, tc.m, tc.from)
			r, err := openStreamAt(src, int64(tc.from), tc.m)
			if err != nil {
				t.Fatal(err)
			}
			f := newFile(t)
			h := sha256.New()
			taken := 0
			w := NewVerifiedWriter(f, VerifyOptions{Hash: h, Size: int64(n - tc.from), Taken: func(k int) { taken += k }})
			got, err := w.ReadFrom(r)
			if err != nil || got != int64(n-tc.from) {
				t.Fatalf("%s: ReadFrom %d, %v", what, got, err)
			}
			verified, err := w.Finish()
			if err != nil {
				t.Fatalf("%s: finish: %v", what, err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if w.dfd != nil {
				whole := (n - tc.from) / directChunk
				if tc.from > 0 {
					whole = 0
				}
				if !verified || w.swapped != whole {
					t.Errorf("%s: verified %v, %d chunks taken whole, want %d", what, verified, w.swapped, whole)
				}
			}
			if b, _ := os.ReadFile(f.Name()); !bytes.Equal(b, want[tc.from:]) {
				t.Errorf("%s: file differs (%d bytes)", what, len(b))
			}
			if sum := sha256.Sum256(want[tc.from:]); !bytes.Equal(h.Sum(nil), sum[:]) || taken != n-tc.from {
				t.Errorf("%s: hash differs or %d bytes taken", what, taken)
			}
			checkChunks(t, what)
		}
	}
}
