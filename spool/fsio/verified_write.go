package fsio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// A copy onto removable media is read back from the medium before the
// original goes: media lie. Writing the whole copy and then reading it
// all back leaves the disk idle in one direction at a time; here the
// read-back of each chunk runs while the next ones are written:
//
//	caller fills chunk k+2 -> hash goroutine: chunk k+1 -> writer: pwrite chunk k+1 (O_DIRECT)
//	                                                     verifier: pread chunk k (O_DIRECT), compare
//
// A chunk's buffer is reused only once its read-back matched it, so the
// comparison is against exactly the bytes that were written, and Hash
// (the packet's MTH, say) sees them in order: the caller checks that
// against the name. Both descriptors' I/O is O_DIRECT, so the read comes
// from the device, never from pages of our own writes. The short tail
// goes through the page cache and is read back after the fsync, directly
// again. Where that cannot be promised (the filesystem refuses O_DIRECT,
// or buffers it: cachestat finds our pages cached after a direct write,
// or cachestat is missing), Finish says so and the caller reads the
// whole copy back after the fsync, as before.
//
// One write and one read in flight: more runs no faster, and cannot.
// For a 1 GiB xfer out of a cached packet on a disk doing 2.6-4.4 GiB/s
// writing alone (issue 16, measured 2026-12-02 21:20-21:40, load
// 1.6-2.9), the writer was busy in pwrite 0.69-0.74 s and the verifier
// in pread + compare 0.68-0.72 s of 0.71-0.76 s runs; the hasher
// (0.29-0.33 s of one core) and the caller waited for them. With two
// writers and two verifiers (8 chunks) each pwrite and pread simply took
// twice as long (1.38-1.49 s summed per pair), the run 0.72-0.86 s
// against 0.77-0.90 s (5 rounds interleaved) and 0.59-0.72 CPU s against
// 0.48-0.63.
//
// diskprobe's verify seemed to gain ~30% at depth 2; bisected between
// the two (21:45-22:02, load 0.5-1.9), it does not. On this VM the first
// 6-7 GiB written after files were removed run ~35% slower, whatever the
// pause (1-20 s) and wherever the blocks land (filefrag: not in the
// freed ones; no discard reached the disk), and the probe's default
// -depths 1,2 runs depth 1 inside that stretch: reversed (-depths 2,1)
// depth 1 "won" by as much (1211-1383 -> 1467-1609 MiB/s), and past its
// first pass (1,2,1,2,1,2 and 2,1,2,1,2,1) depth 1 ran 1646-1925 MiB/s,
// depth 2 1443-1807. Driving this writer (hash off) and the probe's loop
// on fresh 1 GiB files, interleaved ABBA, 3-5 rounds each, depth 2 was
// level with depth 1 in both, in the slow stretch (this writer 0.71-0.87
// s against 0.71-0.80 s, 0.12-0.27 CPU s against 0.14-0.30; the probe,
// allocated as here, 0.65-0.78 s against 0.68-0.80 s) and after it
// (0.50-0.59 s against 0.50-0.61 s; the probe 0.46-0.52 s against
// 0.46-0.54 s). The disk bounds it: it had a request in flight 91-99%
// of each run (io_ticks) at depth 1 already, and a verified GiB moves 2
// through it. The probe's file grows as it is written, so ext4
// serialises its writes with its reads (time in flight, reads plus
// writes, is the run's length); allocated, they overlap fully (each in
// flight the whole run), and the run takes as long (within 5%). Not the
// fd (one O_RDWR for both here and in the probe), nor the write order
// (both strictly sequential at depth 1), nor the cachestat: what is
// left between the probe and this writer after the slow stretch, ~10%,
// is gone once the probe fills rotating chunks and compares what it
// reads (0.51-0.60 s, 3 rounds): the copy and the compare on the CPU,
// as far as such noise resolves.
//
// nncp-xfer (through the page cache) ran 0.65-0.84 s here with
// 0.27-0.50 CPU s, and 1.95-2.49 s with 1.65-2.06 CPU s right after 1 GiB
// had been written through the cache (a cp; in the bench, nncp-file):
// against its fast runs 1.5x would need 0.43-0.56 s, at or below the
// floor of a copy read back from the device.
const verifyChunks = 4 // chunks between filling and verified: 16 MiB

// ErrReadBack is returned when what the medium gives back differs from
// what was written to it.
var ErrReadBack = errors.New("read-back differs from what was written")

// VerifyOptions shape a VerifiedWriter.
type VerifyOptions struct {
	// Hash is fed every byte, in order. A hash: its Write must never fail.
	Hash io.Writer
	// Size, when above zero, is how long the copy is expected to be: the
	// file is allocated that long before the first write (see allocate).
	// A copy that turns out shorter is trimmed to its length by Finish,
	// a longer one simply grows.
	Size int64
	// Taken, when set, is told how many bytes ReadFrom took from its
	// reader each time, on ReadFrom's goroutine: a progress meter, which
	// would hide the StreamReader from ReadFrom if it wrapped the reader.
	Taken func(n int)
	// AfterWrite, when set, is called once bytes [off, off+n) reached the
	// medium and before they are read back. A test hook: it damages the
	// medium copy to show that the read-back catches it.
	AfterWrite func(off, n int64)
}

// VerifiedWriter writes a new file from offset 0 and reads it back from
// the medium as it goes (see above).
type VerifiedWriter struct {
	f   *os.File
	opt VerifyOptions
	dfd *os.File // O_RDWR|O_DIRECT on the same file; nil: plain writes
	off int64    // offset of the next chunk or plain write
	end int64    // the file's length as allocated up front; 0: none
	wb  writeback

	cur      []byte
	chunks   int        // chunks taken from the pool, at most verifyChunks
	first    chan chunk // to the hasher, or straight to the writer
	toWrite  chan chunk
	toVerify chan chunk
	free     chan []byte
	wg       sync.WaitGroup

	mu        sync.Mutex
	err       error // first error of a goroutine
	unchecked bool  // some chunk's read-back would not have come from the device

	finished bool
	swapped  int // chunks taken whole from a StreamReader (tests look)
}

// NewVerifiedWriter writes into f, a new empty file open for writing.
// Finish (or Abort) must follow; Close stays the caller's.
func NewVerifiedWriter(f *os.File, opt VerifyOptions) *VerifiedWriter {
	w := &VerifiedWriter{f: f, opt: opt, wb: writeback{f: f}}
	dfd, err := os.OpenFile(f.Name(), os.O_RDWR|unix.O_DIRECT, 0)
	if err != nil {
		return w // no O_DIRECT here: plain writes, read back by the caller
	}
	w.dfd = dfd
	w.allocate(opt.Size)
	w.toWrite = make(chan chunk, verifyChunks)
	w.toVerify = make(chan chunk, verifyChunks)
	w.free = make(chan []byte, verifyChunks)
	w.cur = w.nextChunk()
	w.first = w.toWrite
	if opt.Hash != nil {
		w.first = make(chan chunk, verifyChunks)
		w.wg.Go(w.hashChunks)
	}
	w.wg.Go(w.writeChunks)
	w.wg.Go(w.verifyChunks)
	return w
}

func (w *VerifiedWriter) Write(p []byte) (int, error) {
	if w.finished {
		return 0, os.ErrClosed
	}
	if w.dfd == nil {
		m, err := w.f.WriteAt(p, w.off)
		if w.opt.Hash != nil {
			_, _ = w.opt.Hash.Write(p[:m]) // a hash: never fails
		}
		w.off += int64(m)
		w.wb.advance(w.off)
		return m, err
	}
	n := 0
	for len(p) > 0 {
		if err := w.failed(); err != nil {
			return n, err
		}
		k := copy(w.cur[len(w.cur):cap(w.cur)], p)
		w.cur = w.cur[:len(w.cur)+k]
		n += k
		p = p[k:]
		if len(w.cur) == cap(w.cur) {
			w.first <- chunk{w.cur, w.off}
			w.off += int64(len(w.cur))
			w.cur = w.nextChunk()
		}
	}
	return n, nil
}

// ReadFrom copies r to the end into w. With the direct pipeline it reads
// straight into the chunk being filled, up to a whole chunk per Read: no
// copy through a buffer of the caller's. Reading a cached 1 GiB packet
// through 128 KiB buffers and copying each into the chunk was 8192
// reads and a second memory copy of every byte, on the goroutine that
// feeds the pipeline. From a StreamReader (a spool packet), whose
// read-ahead already holds each chunk in a pool chunk like ours, the
// chunks are swapped instead of copied: that copy was 8.9% of a 1 GiB
// xfer out's CPU samples (perf: runtime.memmove under ReadFrom), 1.4%
// after (what is left is the tail).
func (w *VerifiedWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.finished {
		return 0, os.ErrClosed
	}
	if w.dfd == nil {
		return io.CopyBuffer(struct{ io.Writer }{w}, r, make([]byte, 128<<10))
	}
	sr, _ := r.(*StreamReader)
	var n int64
	for {
		if err := w.failed(); err != nil {
			return n, err
		}
		if sr != nil && len(w.cur) == 0 {
			if b, ok := sr.swapChunk(w.cur); ok {
				// The stream's chunk becomes ours, ours the stream's.
				w.took(len(b))
				w.swapped++
				n += int64(len(b))
				w.first <- chunk{b, w.off}
				w.off += int64(len(b))
				w.cur = w.nextChunk()
				continue
			}
		}
		k, err := r.Read(w.cur[len(w.cur):cap(w.cur)])
		w.cur = w.cur[:len(w.cur)+k]
		w.took(k)
		n += int64(k)
		if len(w.cur) == cap(w.cur) {
			w.first <- chunk{w.cur, w.off}
			w.off += int64(len(w.cur))
			w.cur = w.nextChunk()
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// allocate gives the file its expected length up front, so that no
// direct write extends it. ext4 takes the inode's lock exclusively for
// the whole of a direct write that extends the file, and a direct read
// takes it shared: the read-back of chunk k may wait for the write of
// chunk k+1, and the next write for that read. Within the file's length,
// into allocated (unwritten) blocks, an aligned direct write takes the
// lock shared and the two run at once. (1 GiB in 4 MiB chunks with each
// read back, quiet moment: 1.15-2.13 s extending, 0.76 s allocated; in
// noisier rounds the two were level.) Truncated by Finish when shorter.
//
// Without room for the copy the writer fails now, before a byte is
// written; a filesystem that cannot allocate ahead (EOPNOTSUPP) is
// written as before.
func (w *VerifiedWriter) allocate(size int64) {
	if size < directChunk {
		return // no chunk to overlap with: all tail
	}
	err := ignoringEINTR(func() error { return unix.Fallocate(int(w.f.Fd()), 0, 0, size) })
	switch {
	case err == nil:
		w.end = size
	case errors.Is(err, unix.ENOSPC), errors.Is(err, unix.EDQUOT), errors.Is(err, unix.EFBIG):
		w.fail(fmt.Errorf("allocating %d bytes for the copy: %w", size, err))
	}
}

// took tells Taken of n bytes taken in.
func (w *VerifiedWriter) took(n int) {
	if w.opt.Taken != nil && n > 0 {
		w.opt.Taken(n)
	}
}

// nextChunk is a chunk to fill: one whose read-back matched, or, while
// fewer than verifyChunks are in use, a fresh one from the pool. A copy
// shorter than a chunk takes one; a long one the whole pipeline.
func (w *VerifiedWriter) nextChunk() []byte {
	select {
	case b := <-w.free:
		return b
	default:
	}
	if w.chunks < verifyChunks {
		w.chunks++
		return getChunk()
	}
	return <-w.free
}

// release gives the chunks back to the pool once the goroutines ended.
func (w *VerifiedWriter) release() {
	for range w.chunks - 1 {
		putChunk(<-w.free) // every chunk but cur is back in free
	}
	putChunk(w.cur)
	w.chunks, w.cur = 0, nil
}

func (w *VerifiedWriter) hashChunks() {
	defer close(w.toWrite)
	for c := range w.first {
		_, _ = w.opt.Hash.Write(c.b) // a hash: never fails
		w.toWrite <- c
	}
}

func (w *VerifiedWriter) writeChunks() {
	defer close(w.toVerify)
	for c := range w.toWrite {
		if w.failed() != nil {
			w.free <- c.b[:0]
			continue
		}
		if _, err := w.dfd.WriteAt(c.b, c.off); err != nil {
			w.fail(err)
			w.free <- c.b[:0]
			continue
		}
		if cachedPages(w.dfd, c.off, int64(len(c.b))) != 0 {
			w.setUnchecked() // the "direct" write went through the cache
		}
		if w.opt.AfterWrite != nil {
			w.opt.AfterWrite(c.off, int64(len(c.b)))
		}
		w.toVerify <- c
	}
}

func (w *VerifiedWriter) verifyChunks() {
	back := getChunk()
	defer putChunk(back)
	for c := range w.toVerify {
		if w.failed() == nil {
			if err := readBack(w.dfd, back, c.b, c.off); err != nil {
				w.fail(err)
			}
		}
		w.free <- c.b[:0]
	}
}

// readBack reads len(want) bytes at off from fd, an O_DIRECT descriptor,
// into buf (aligned, at least len(want) rounded up to directAlign) and
// compares them with want.
func readBack(fd *os.File, buf, want []byte, off int64) error {
	got := buf[:alignUp(int64(len(want)))]
	n, err := fd.ReadAt(got, off)
	if err == io.EOF && n >= len(want) {
		err = nil // a short last block ends the file
	}
	if err != nil && n < len(want) {
		return fmt.Errorf("read back at %d: %w", off, err)
	}
	if !bytes.Equal(got[:len(want)], want) {
		return fmt.Errorf("%w, in the %d bytes from %d", ErrReadBack, len(want), off)
	}
	return nil
}

func (w *VerifiedWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *VerifiedWriter) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *VerifiedWriter) setUnchecked() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unchecked = true
}

// stop closes the pipeline and waits for its goroutines.
func (w *VerifiedWriter) stop() {
	if w.dfd != nil {
		close(w.first)
		w.wg.Wait()
	}
}

// Finish writes the tail, fsyncs the file and reads the tail back. It
// reports whether every byte was read back from the device and matched;
// if not (and err is nil), the caller must read the copy back itself.
// Close stays the caller's, and so does dropping the file on an error.
func (w *VerifiedWriter) Finish() (verified bool, err error) {
	if w.finished {
		return false, os.ErrClosed
	}
	w.finished = true
	w.stop()
	if w.dfd == nil {
		return false, w.f.Sync()
	}
	defer func() { err = errors.Join(err, w.dfd.Close()) }()
	defer w.release()
	if err := w.failed(); err != nil {
		return false, err
	}
	tail := w.cur
	if _, err := w.f.WriteAt(tail, w.off); err != nil {
		return false, err
	}
	if w.opt.Hash != nil {
		_, _ = w.opt.Hash.Write(tail) // after every chunk: the order holds
	}
	if n := w.off + int64(len(tail)); n < w.end {
		// Shorter than allocated: the allocated rest must not stay part
		// of the copy.
		if err := w.f.Truncate(n); err != nil {
			return false, err
		}
	}
	if err := w.f.Sync(); err != nil {
		return false, err
	}
	if len(tail) == 0 {
		return !w.unchecked, nil
	}
	// Clean now, the tail's pages can go; the direct read would bypass
	// them anyway.
	_ = unix.Fadvise(int(w.f.Fd()), w.off, int64(len(tail)), unix.FADV_DONTNEED) // a hint
	if cachedPages(w.f, w.off, int64(len(tail))) != 0 {
		// Still cached (a tmpfs; or no cachestat to ask): the read below
		// might not come from the device.
		w.setUnchecked()
	}
	if w.opt.AfterWrite != nil {
		w.opt.AfterWrite(w.off, int64(len(tail)))
	}
	buf := getChunk()
	defer putChunk(buf)
	if err := readBack(w.dfd, buf[:cap(buf)], tail, w.off); err != nil {
		if errors.Is(err, ErrReadBack) {
			return false, err
		}
		return false, nil // a short direct read refused: the caller reads back
	}
	return !w.unchecked, nil
}

// Abort stops the goroutines without writing what is staged.
func (w *VerifiedWriter) Abort() {
	if w.finished {
		return
	}
	w.finished = true
	w.fail(os.ErrClosed)
	w.stop()
	if w.dfd != nil {
		w.release()
		_ = w.dfd.Close() // nothing was written through it that matters now
	}
}

// cachedPages is how many pages of the range are in the page cache; -1
// when the kernel cannot say (no cachestat), which counts as cached.
func cachedPages(f *os.File, off, n int64) int64 {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	var st unix.Cachestat_t
	var cerr error
	rng := unix.CachestatRange{Off: uint64(off), Len: uint64(n)}
	if err := rc.Control(func(fd uintptr) { cerr = unix.Cachestat(uint(fd), &rng, &st, 0) }); err != nil || cerr != nil {
		return -1
	}
	return int64(st.Cache)
}
