package fsio

import (
	"errors"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Reading a large packet that is not in the page cache fills the cache
// with pages nobody reads again, and allocating them is what costs: on
// this project's virtual machines 1.6 s of kernel time per GiB, against
// well under 0.1 s reading with O_DIRECT into our own reused buffers. A
// packet mostly cached (written a moment ago through the cache, say) is
// cheapest to read from the cache. So a sequential reader asks the kernel
// (cachestat) how much of the file is cached and, for a large file that
// mostly is not, reads aligned chunks with O_DIRECT ahead of the consumer
// on directReaders goroutines, keeping that many reads in flight.
//
// A large file mostly cached is read ahead too, through the cache, on
// cachedReaders goroutine(s): the kernel's copy out of the page cache
// (a third of a millisecond per MiB here) then overlaps the consumer's
// work (decrypting, on both cores) instead of coming between its blocks.
// Read in the consumer's goroutine, a cached toss of 1 GiB left the
// writer waiting on the decryptor, and ran slower than one from the disk.
const (
	directReadAfter = 8 << 20
	directReaders   = 2
	directReadAhead = 1 // chunks per reader waiting for the consumer
	cachedReaders   = 1 // a copy from the cache keeps ahead of decryption alone
	cachedReadAhead = 2
)

// readMode says how a stream may read; the zero value is what every
// caller outside the tests wants, but OpenStreamOnce's.
type readMode struct {
	cached      bool // never O_DIRECT (the read-ahead through the cache is still used)
	ignoreCache bool // O_DIRECT even for a file in the page cache (a test's always is)
	once        bool // the file is removed once read: drop its cached pages as they are read
}

// StreamReader reads a file from start to end.
type StreamReader struct {
	f       *os.File
	dfd     *os.File         // O_DIRECT descriptor; nil when reading through the cache
	src     *os.File         // what the read-ahead reads: dfd or f; nil when reading inline
	outs    []chan readChunk // one per read-ahead goroutine
	stop    chan struct{}
	next    int    // which reader's channel holds the next chunk
	cur     []byte // unread part of buf
	buf     []byte // the chunk being consumed, whole
	own     int    // which reader buf goes back to
	skip    int    // bytes to drop from the first chunk (start not aligned)
	drop    bool   // read-ahead through the cache drops the pages it read (OpenStreamOnce)
	back    []chan []byte
	err     error
	readers sync.WaitGroup
}

type readChunk struct {
	b   []byte
	err error // io.EOF after the last chunk
}

// OpenStream opens a file for one sequential read, bypassing the page
// cache when that is cheaper (see above).
func OpenStream(path string) (*StreamReader, error) { return OpenStreamAt(path, 0) }

// OpenStreamAt is OpenStream starting at byte off.
func OpenStreamAt(path string, off int64) (*StreamReader, error) {
	return openStreamAt(path, off, readMode{})
}

func openStreamAt(path string, off int64, m readMode) (*StreamReader, error) {
	f, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			_ = f.Close() // read only, and the seek error is the one to report
			return nil, err
		}
	}
	return streamFrom(f, off, m), nil
}

// OpenStreamOnce is OpenStream for a file that is removed once read (a
// packet being tossed). When it is read ahead through the page cache,
// the pages each chunk came from are dropped from the cache as soon as
// they are copied out (see dropCached).
func OpenStreamOnce(path string) (*StreamReader, error) {
	return openStreamAt(path, 0, readMode{once: true})
}

// StreamFile is OpenStream for a file already open for reading and at its
// start (the caller looked at it first). Closing the StreamReader closes f.
func StreamFile(f *os.File) *StreamReader { return streamFrom(f, 0, readMode{}) }

// streamFrom reads f, positioned at off, around the page cache where that
// is cheaper, and ahead of the consumer when the file is large.
func streamFrom(f *os.File, off int64, m readMode) *StreamReader {
	r := &StreamReader{f: f}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size()-off < directReadAfter {
		return r // read inline: the file is short (or unknown)
	}
	r.src = f
	readers, ahead := cachedReaders, cachedReadAhead
	if !m.cached && (m.ignoreCache || !mostlyCached(f, off, fi.Size()-off)) {
		// (A filesystem that refuses O_DIRECT is read ahead through the cache.)
		if dfd, err := os.OpenFile(f.Name(), os.O_RDONLY|unix.O_DIRECT, 0); err == nil {
			r.dfd, r.src = dfd, dfd
			readers, ahead = directReaders, directReadAhead
		}
	}
	r.drop = m.once && r.dfd == nil
	base := off &^ (directAlign - 1) // O_DIRECT reads start aligned (and cached ones alike)
	r.stop = make(chan struct{})
	for k := range readers {
		out := make(chan readChunk, ahead)
		back := make(chan []byte, ahead+1)
		for range ahead + 1 {
			back <- getChunk()
		}
		r.outs = append(r.outs, out)
		r.back = append(r.back, back)
		r.readers.Add(1)
		go r.readChunks(base+int64(k)*directChunk, int64(readers)*directChunk, out, back)
	}
	r.skip = int(off - base)
	return r
}

// readChunks reads the chunks at from, from+stride, ... into buffers
// from back.
func (r *StreamReader) readChunks(from, stride int64, out chan<- readChunk, back chan []byte) {
	defer r.readers.Done()
	defer close(out)
	for off := from; ; off += stride {
		var b []byte
		select {
		case b = <-back:
		case <-r.stop:
			return
		}
		n, err := r.src.ReadAt(b[:directChunk], off)
		if r.drop && n > 0 {
			dropCached(r.src, off, int64(n))
		}
		if err == io.EOF && n > 0 {
			err = nil
		}
		c := readChunk{b: b[:n], err: err}
		if err == nil && n < directChunk {
			c.err = io.EOF // short chunk: the file ends here
		}
		select {
		case out <- c:
		case <-r.stop:
			back <- b // never blocks: its room is this buffer's; Close frees it
			return
		}
		if c.err != nil {
			return
		}
	}
}

func (r *StreamReader) Read(p []byte) (int, error) {
	if r.src == nil {
		return r.f.Read(p)
	}
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		c, k, ok := r.recv()
		if !ok {
			return 0, r.err
		}
		if len(c.b) <= r.skip {
			r.skip = 0           // the start lies past the end
			r.back[k] <- c.b[:0] // never blocks: there are only so many buffers
		} else {
			r.cur, r.buf, r.own = c.b[r.skip:], c.b, k
			r.skip = 0
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	if len(r.cur) == 0 {
		r.back[r.own] <- r.buf
		r.buf = nil
	}
	return n, nil
}

// recv takes the next chunk read ahead, in file order, with the index of
// the reader whose buffer it is, and keeps its error for the stream; ok
// is false (and the stream at its end) once the readers stopped.
func (r *StreamReader) recv() (c readChunk, k int, ok bool) {
	k = r.next
	if c, ok = <-r.outs[k]; !ok { // the reader stopped after an end seen by the other one
		r.err = io.EOF
		return c, k, false
	}
	if c.err != nil {
		r.err = c.err
	}
	r.next = (k + 1) % len(r.outs)
	return c, k, true
}

// swapChunk hands over the next chunk read ahead when it is a whole one
// and nothing of it was consumed yet, in exchange for spare (an empty
// chunk from getChunk, which goes to that chunk's reader): a consumer
// that writes chunks of its own (VerifiedWriter) takes the bytes
// without copying them. Otherwise ok is false and the stream reads on
// as before: the chunk fetched, if any, is the one Read continues with.
func (r *StreamReader) swapChunk(spare []byte) (full []byte, ok bool) {
	if r.src == nil || len(r.cur) > 0 || r.skip > 0 || r.err != nil || cap(spare) != directChunk {
		return nil, false
	}
	c, k, open := r.recv()
	if !open {
		return nil, false
	}
	if len(c.b) < directChunk || (c.err != nil && c.err != io.EOF) {
		if len(c.b) == 0 {
			r.back[k] <- c.b // never blocks: there are only so many buffers
		} else {
			r.cur, r.buf, r.own = c.b, c.b, k
		}
		return nil, false
	}
	r.back[k] <- spare[:0] // never blocks: its room is the buffer taken
	return c.b, true
}

// Close stops the readers, gives their chunks back and closes the file.
func (r *StreamReader) Close() error {
	if r.src != nil {
		if r.stop == nil {
			return os.ErrClosed
		}
		close(r.stop)
		r.readers.Wait()
		r.stop = nil
		// Every chunk is in one of the places below by now, and only once:
		// the one being consumed, the readers' output, or their spares.
		if r.buf != nil {
			putChunk(r.buf)
			r.buf, r.cur = nil, nil
		}
		for k := range r.outs {
			for c := range r.outs[k] { // closed by its reader
				putChunk(c.b)
			}
			for len(r.back[k]) > 0 {
				putChunk(<-r.back[k])
			}
		}
		if r.dfd != nil {
			return errors.Join(r.dfd.Close(), r.f.Close())
		}
	}
	return r.f.Close()
}

// mostlyCached reports whether at least half of the range's pages are in
// the page cache. Without cachestat (before Linux 6.5) it says yes, which
// keeps the read through the cache.
func mostlyCached(f *os.File, off, size int64) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return true
	}
	var st unix.Cachestat_t
	var cerr error
	rng := unix.CachestatRange{Off: uint64(off), Len: uint64(size)}
	if err := rc.Control(func(fd uintptr) { cerr = unix.Cachestat(uint(fd), &rng, &st, 0) }); err != nil || cerr != nil {
		return true
	}
	return int64(st.Cache)*int64(os.Getpagesize()) >= size/2
}

// dropCached drops the page cache's clean pages of f's range off..off+n.
// Left to the end, the cached pages of a file read once and removed are
// freed when it is: a cached 1 GiB packet's 262,144 pages, one by one,
// between the toss's last write and its exit (0.21 s of the packet's
// close, against 0.13 s with them dropped as read; the toss 0.76 s
// against 0.67 s, perf: block_invalidate_folio and the slab frees off
// the close). Dropped here, on the read-ahead goroutine, the work
// overlaps decryption. Only a hint: a failure leaves the pages cached,
// and dirty pages are never dropped by it.
func dropCached(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { _ = unix.Fadvise(int(fd), off, n, unix.FADV_DONTNEED) })
}
