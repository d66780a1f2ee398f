package fsio

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// Sizes around the points where the bulk writer changes mode and where
// the stream reader's chunks end.
var bulkSizes = []int{
	0, 1, 4095, directAfter - 1, directAfter, directAfter + 1,
	directAfter + directAlign + 17, directAfter + directChunk,
	3*directChunk + directReadAfter, directReadAfter + 2*directChunk - 1,
	directReadAfter + 7*directChunk + 12345,
}

func pattern(n int) []byte {
	b := make([]byte, n)
	var seed [32]byte
	seed[0], seed[1], seed[2] = byte(n), byte(n>>8), byte(n>>16)
	rand.NewChaCha8(seed).Read(b)
	return b
}

// writeOdd writes b in pieces of varying size, as sealing does.
func writeOdd(t *testing.T, w io.Writer, b []byte) {
	t.Helper()
	step := []int{172, 131072 + 16, 7, 65536, 1 << 20, 3}
	for i := 0; len(b) > 0; i++ {
		k := min(len(b), step[i%len(step)])
		if n, err := w.Write(b[:k]); err != nil || n != k {
			t.Fatalf("write %d: %d, %v", k, n, err)
		}
		b = b[k:]
	}
}

// eachCase runs fn for every size in bulkSizes, with O_DIRECT allowed and
// not, giving it the content to use and a fresh path.
func eachCase(t *testing.T, fn func(direct bool, n int, want []byte, p string)) {
	for _, direct := range []bool{true, false} {
		for _, n := range bulkSizes {
			fn(direct, n, pattern(n), filepath.Join(t.TempDir(), "f"))
		}
	}
}

func TestBulkWriter(t *testing.T) {
	t.Parallel()
	eachCase(t, func(direct bool, n int, want []byte, p string) {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		w := NewBulkWriter(f, 0, true, h)
		w.cached = !direct
		writeOdd(t, w, want)
		if err := w.Finish(); err != nil {
			t.Fatalf("direct=%v size %d: finish: %v", direct, n, err)
		}
		if direct && n > directAfter+directChunk && !w.direct {
			t.Logf("%s refuses O_DIRECT: only the cached pipeline was tested", p)
		}
		if _, err := w.Write([]byte{1}); err == nil {
			t.Errorf("write after Finish accepted")
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, want) {
			t.Fatalf("direct=%v size %d: file differs (%d bytes)", direct, n, len(got))
		}
		if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Errorf("direct=%v size %d: hash differs", direct, n)
		}
	})
}

func TestBulkWriterAbort(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	w := NewBulkWriter(f, 0, true, sha256.New())
	writeOdd(t, w, pattern(directAfter+5*directChunk))
	w.Abort() // must return: the goroutines end
	w.Abort()
	if err := w.Finish(); err == nil {
		t.Errorf("Finish after Abort succeeded")
	}
}

// TestBulkWriterError: a failing write (here, a descriptor opened
// read-only) comes back from Write or Finish, never silently.
func TestBulkWriterError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	w := NewBulkWriter(f, 0, false, nil)
	if _, err := w.Write(pattern(10 << 20)); err == nil {
		if err := w.Finish(); err == nil {
			t.Fatal("writes to a read-only descriptor reported no error")
		}
	}
}

func TestStreamReader(t *testing.T) {
	t.Parallel()
	eachCase(t, func(direct bool, n int, want []byte, p string) {
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := openStreamAt(p, 0, readMode{cached: !direct, ignoreCache: true})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := r.Close(); err != nil {
				t.Error(err)
			}
		}()
		// Odd read sizes cross chunk edges.
		var got bytes.Buffer
		buf := make([]byte, 100003)
		for {
			k, err := r.Read(buf)
			got.Write(buf[:k])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("size %d: %v", n, err)
			}
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("direct=%v size %d: read %d bytes, differs", direct, n, got.Len())
		}
	})
}

// TestStreamReaderCloseEarly: closing before the end stops the readers.
func TestStreamReaderCloseEarly(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, pattern(directReadAfter+9*directChunk), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 1, directChunk + 5} {
		r, err := openStreamAt(p, 0, readMode{ignoreCache: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, r, int64(k)); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStreamReaderAt: starting anywhere, aligned or not, yields the rest.
func TestStreamReaderAt(t *testing.T) {
	t.Parallel()
	n := directReadAfter + 3*directChunk + 777
	want := pattern(n)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, 1, 4095, 4096, directChunk + 5, 3*directChunk - 1, n - directReadAfter, n - directReadAfter + 1, n - 1, n} {
		r, err := openStreamAt(p, int64(off), readMode{ignoreCache: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatalf("from %d: %v", off, err)
		}
		if !bytes.Equal(got, want[off:]) {
			t.Fatalf("from %d: read %d bytes, want %d, or content differs", off, len(got), n-off)
		}
	}
}

// TestBulkWriterStayCached: a writer told to stay cached never starts its
// goroutines, and still writes and hashes everything.
func TestBulkWriterStayCached(t *testing.T) {
	want := pattern(directAfter + 3*directChunk + 99)
	p := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	w := NewBulkWriter(f, 0, true, h)
	w.StayCached()
	writeOdd(t, w, want)
	if w.piped {
		t.Fatal("the pipeline started")
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	sum := sha256.Sum256(want)
	if !bytes.Equal(got, want) || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatal("content or hash differs")
	}
}

// TestBulkWriterReusesChunks: long writes one after another (an xfer in
// of many packets of a few MiB) take their pipeline's chunks from the
// pool. Not parallel: it counts the process's allocations.
func TestBulkWriterReusesChunks(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under -race (see race_on_test.go)")
	}
	dir := t.TempDir()
	want := pattern(directAfter + 3*directChunk + 5)
	writeOne := func(i int) {
		f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		w := NewBulkWriter(f, 0, false, nil)
		writeOdd(t, w, want)
		if err := errors.Join(w.Finish(), f.Close()); err != nil {
			t.Fatal(err)
		}
		if !w.piped {
			t.Fatalf("%d bytes written without the pipeline", len(want))
		}
	}
	// A collection may empty the pool now and then; a writer that
	// allocated its pipeline each time would take directChunks chunks.
	if per := bytesPerRun(writeOne); per > directChunk {
		t.Errorf("%d bytes allocated per file, want at most one chunk (%d)", per, directChunk)
	}
}

// bytesPerRun is what one of ten runs of f allocates on average, on the
// heap and in chunks mapped outside it, after a first run that fills the
// pools; f is told its run's number.
func bytesPerRun(f func(i int)) uint64 {
	f(0)
	const runs = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	maps := chunksMapped()
	for i := range runs {
		f(i + 1)
	}
	runtime.ReadMemStats(&after)
	mapped := uint64(chunksMapped()-maps) * directChunk
	return (after.TotalAlloc - before.TotalAlloc + mapped) / runs
}

func chunksMapped() int {
	chunks.mu.Lock()
	defer chunks.mu.Unlock()
	return chunks.maps
}

// TestStreamReaderCachedReadsAhead: a large file in the page cache (just
// written) is read ahead through the cache on a goroutine of its own,
// not in the consumer's, and without O_DIRECT; a short one is read
// inline.
func TestStreamReaderCachedReadsAhead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []int{directReadAfter - 1, directReadAfter, directReadAfter + 3*directChunk + 5} {
		want := pattern(n)
		p := filepath.Join(dir, strconv.Itoa(n))
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, m := range []readMode{{}, {cached: true}} {
			r, err := openStreamAt(p, 0, m)
			if err != nil {
				t.Fatal(err)
			}
			ahead := n >= directReadAfter
			if got := r.src != nil; got != ahead || r.dfd != nil && m.cached {
				t.Errorf("size %d %+v: read ahead %v (O_DIRECT %v), want %v", n, m, got, r.dfd != nil, ahead)
			}
			if ahead && m.cached && len(r.outs) != cachedReaders {
				t.Errorf("size %d: %d readers, want %d", n, len(r.outs), cachedReaders)
			}
			got, err := io.ReadAll(r)
			if err := errors.Join(err, r.Close()); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("size %d %+v: read %d bytes, differs", n, m, len(got))
			}
		}
	}
}
