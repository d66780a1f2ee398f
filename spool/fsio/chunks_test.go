package fsio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// checkChunks fails t unless every chunk given out came back exactly
// once: none still out (a reader stopped while holding one), none idle
// twice (given back twice, which would hand one buffer to two users).
func checkChunks(t *testing.T, what string) {
	t.Helper()
	chunks.mu.Lock()
	defer chunks.mu.Unlock()
	if chunks.out != 0 {
		t.Errorf("%s: %d chunks still out, want 0", what, chunks.out)
	}
	seen := map[*byte]bool{}
	for _, b := range chunks.free {
		if seen[&b[:1][0]] {
			t.Errorf("%s: a chunk is idle twice", what)
		}
		seen[&b[:1][0]] = true
	}
}

// TestChunksComeBack: stream readers closed early, at once or at the end,
// bulk writers finished or aborted and verified copies give back every
// chunk they took, once. Not parallel: it counts the process's chunks.
func TestChunksComeBack(t *testing.T) {
	dir := t.TempDir()
	n := directReadAfter + 5*directChunk + 777
	want := pattern(n)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	checkChunks(t, "before")
	for _, m := range []readMode{{ignoreCache: true}, {cached: true}} {
		for _, k := range []int{0, 1, directChunk, directChunk + 5, 3 * directChunk, n - 1, n} {
			streamPrefix(t, p, m, want, k)
			checkChunks(t, fmt.Sprintf("stream (%+v) read %d bytes", m, k))
		}
	}
	for i, abort := range []bool{false, true} {
		f, err := os.Create(filepath.Join(dir, "w"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		w := NewBulkWriter(f, 0, false, nil)
		writeOdd(t, w, want)
		if abort {
			w.Abort()
		} else if err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		checkChunks(t, "bulk writer, abort "+strconv.FormatBool(abort))
	}
	f, err := os.OpenFile(filepath.Join(dir, "v"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	vw := NewVerifiedWriter(f, VerifyOptions{})
	writeOdd(t, vw, want)
	_, err = vw.Finish()
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
	checkChunks(t, "verified writer")
}

// TestChunksKeptBounded: chunks beyond keptChunks are unmapped when they
// come back, and those kept are reused. Not parallel, as above.
func TestChunksKeptBounded(t *testing.T) {
	var bs [][]byte
	for range 2 * keptChunks {
		bs = append(bs, getChunk())
	}
	for _, b := range bs {
		putChunk(b)
	}
	chunks.mu.Lock()
	kept, mapped := len(chunks.free), len(chunks.mapped)
	chunks.mu.Unlock()
	if kept != keptChunks || mapped > keptChunks {
		t.Errorf("%d chunks idle and %d mapped after giving back %d, want %d and at most %d", kept, mapped, len(bs), keptChunks, keptChunks)
	}
	maps := chunksMapped()
	for range 3 {
		putChunk(getChunk())
	}
	if m := chunksMapped() - maps; m != 0 {
		t.Errorf("%d chunks mapped for three taken one at a time, want 0", m)
	}
	checkChunks(t, "after")
}

// TestChunksInHugePages: where the kernel offers transparent huge pages
// on request, a chunk starts on a huge page and is backed by them, which
// is what lets one O_DIRECT request carry it whole.
func TestChunksInHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !strings.Contains(string(mode), "[madvise]") && !strings.Contains(string(mode), "[always]") {
		t.Skipf("no transparent huge pages on request here (%q, %v)", strings.TrimSpace(string(mode)), err)
	}
	b := mapChunk()
	if b == nil {
		t.Fatal("mmap of a chunk failed")
	}
	defer putChunk(b) // not counted out: put it back as if it had been
	chunks.mu.Lock()
	chunks.out++
	chunks.mu.Unlock()
	addr := uintptr(unsafe.Pointer(&b[:1][0]))
	if addr%hugePage != 0 {
		t.Fatalf("chunk at %#x: not on a huge page boundary", addr)
	}
	b = b[:directChunk]
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // fault it in
	}
	huge := hugeKiB(t, addr)
	if huge < directChunk>>10 {
		// The kernel may have had no free huge page (fragmented memory):
		// a slower chunk, not a wrong one.
		t.Skipf("chunk at %#x: %d KiB in huge pages of %d: none to be had now", addr, huge, directChunk>>10)
	}
}

// hugeKiB is the AnonHugePages of the mapping that holds addr (the
// kernel may have merged it with a neighbouring chunk).
func hugeKiB(t *testing.T, addr uintptr) int {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if rng, _, ok := strings.Cut(line, " "); ok && strings.Contains(rng, "-") && !strings.HasSuffix(rng, ":") {
			lo, hi, _ := strings.Cut(rng, "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			z, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uintptr(a) <= addr && addr < uintptr(z)
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); in && ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			return kib
		}
	}
	t.Fatalf("no mapping holds %#x in /proc/self/smaps", addr)
	return 0
}

// streamPrefix reads the first k bytes of the file p, which holds want,
// with a stream in mode m (to its end and past it when k is all), then
// closes the stream.
func streamPrefix(t *testing.T, p string, m readMode, want []byte, k int) {
	t.Helper()
	r, err := openStreamAt(p, 0, m)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, k)
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want[:k]) {
		t.Fatalf("%+v: the first %d bytes differ", m, k)
	}
	if k == len(want) {
		if _, err := r.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("%+v: after the end: %v, want EOF", m, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
