package fsio

import (
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Bulk data (a 1 GiB packet, the file it carries) is written once and not
// read again soon. Through the page cache every byte is copied into a
// freshly allocated page, which costs more CPU than sealing it: on this
// project's virtual machines 1.0-1.6 s of kernel time per GiB, against
// 0.13 s with O_DIRECT from our own reused buffers. So a long write
// switches, once past directAfter bytes and at an aligned offset, to a
// pipeline: the caller fills aligned chunks, one goroutine hashes them
// (when the writer hashes, as a packet's MTH) and another writes them
// with O_DIRECT, while the caller goes on sealing or decrypting. The
// short unaligned tail goes through the cache at the end. Short files
// never start the pipeline; a filesystem that refuses O_DIRECT gets the
// pipeline with cached writes.
const (
	directAfter  = 4 << 20
	directAlign  = 4096 // covers 512- and 4096-byte logical blocks
	directChunk  = 4 << 20
	directChunks = 3 // filling, hashing, writing
	// Goroutines writing chunks with O_DIRECT at once: one, with the
	// next chunks already queued behind it (directChunks); a second
	// writer has not been measured to help.
	directWriters = 1
)

// BulkWriter writes sequentially into f from a starting offset, feeding
// every byte, in order, to hash when that is not nil.
type BulkWriter struct {
	f    *os.File
	off  int64 // offset of the next byte given to Write
	sync bool  // start writeback of cached writes early (see writeback)
	wb   writeback
	hash io.Writer

	piped    bool // chunks go through the goroutines
	direct   bool // ... and are written with O_DIRECT
	noPipe   bool // StayCached: never start the goroutines
	cached   bool // never O_DIRECT (tests, to cover the cached pipeline)
	finished bool

	cur     []byte // chunk being filled; aligned, cap directChunk
	first   chan chunk
	toWrite chan chunk
	free    chan []byte
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error // first error of the writing goroutine
}

type chunk struct {
	b   []byte
	off int64
}

// NewBulkWriter writes into f from off on. With sync, cached writes start
// their writeback early so the caller's final fsync is short. Finish (or
// Abort) must be called; fsync and Close stay the caller's. hash is a
// hash: its Write must never fail, as its errors are not looked at.
func NewBulkWriter(f *os.File, off int64, sync bool, hash io.Writer) *BulkWriter {
	return &BulkWriter{f: f, off: off, sync: sync, wb: writeback{f: f, done: off}, hash: hash}
}

func (w *BulkWriter) Write(p []byte) (int, error) {
	if w.finished {
		return 0, os.ErrClosed
	}
	n := 0
	for len(p) > 0 {
		if w.piped {
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
				w.cur = <-w.free
			}
			continue
		}
		if !w.noPipe && w.off >= directAfter && w.off%directAlign == 0 {
			w.startPipe()
			continue
		}
		k := len(p)
		if !w.noPipe && w.off+int64(k) > directAfter {
			// Stop at the first aligned offset past directAfter.
			if edge := alignUp(max(w.off, directAfter)); w.off+int64(k) > edge {
				k = int(edge - w.off)
			}
		}
		m, err := w.writeCached(p[:k], w.off)
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// writeCached writes b at off through the page cache and hashes it.
func (w *BulkWriter) writeCached(b []byte, off int64) (int, error) {
	m, err := w.f.WriteAt(b, off)
	if w.hash != nil {
		_, _ = w.hash.Write(b[:m]) // a hash: never fails
	}
	w.off = off + int64(m)
	if w.sync {
		w.wb.advance(w.off)
	}
	return m, err
}

// startPipe turns O_DIRECT on, where the filesystem allows, and starts
// the goroutines.
func (w *BulkWriter) startPipe() {
	w.piped = true
	w.direct = !w.cached && setDirect(w.f, true) == nil
	w.toWrite = make(chan chunk, directChunks)
	w.free = make(chan []byte, directChunks)
	for range directChunks {
		w.free <- getChunk()
	}
	w.cur = <-w.free
	w.first = w.toWrite
	if w.hash != nil {
		w.first = make(chan chunk, directChunks)
		w.wg.Add(1)
		go w.hashChunks()
	}
	writers := 1
	if w.direct {
		writers = directWriters
	}
	for range writers {
		w.wg.Add(1)
		go w.writeChunks()
	}
}

func (w *BulkWriter) hashChunks() {
	defer w.wg.Done()
	defer close(w.toWrite)
	for c := range w.first {
		_, _ = w.hash.Write(c.b) // a hash: never fails
		w.toWrite <- c
	}
}

func (w *BulkWriter) writeChunks() {
	defer w.wg.Done()
	for c := range w.toWrite {
		if w.failed() == nil {
			_, err := w.f.WriteAt(c.b, c.off)
			if err == nil && !w.direct && w.sync {
				w.wb.advance(c.off + int64(len(c.b)))
			}
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		w.free <- c.b[:0]
	}
}

func (w *BulkWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// StayCached keeps w on plain cached writes (hashed inline) however long
// the file grows: no goroutines, no chunk buffers. For callers that may
// have many writers open at once on behalf of a peer, whose memory would
// otherwise grow by 4 MiB per writer.
func (w *BulkWriter) StayCached() { w.noPipe = true }

// Finish writes and hashes what is staged, waits for the goroutines and
// turns O_DIRECT off again. The caller still owns fsync and Close.
func (w *BulkWriter) Finish() error {
	if w.finished {
		return os.ErrClosed
	}
	w.finished = true
	if !w.piped {
		return nil
	}
	close(w.first)
	w.wg.Wait()
	defer w.release()
	if err := w.failed(); err != nil {
		return err
	}
	if w.direct {
		if err := setDirect(w.f, false); err != nil {
			return err
		}
	}
	_, err := w.writeCached(w.cur, w.off)
	return err
}

// Abort stops the goroutines without writing what is staged.
func (w *BulkWriter) Abort() {
	if w.finished {
		return
	}
	w.finished = true
	if w.piped {
		w.mu.Lock()
		if w.err == nil {
			w.err = os.ErrClosed
		}
		w.mu.Unlock()
		close(w.first)
		w.wg.Wait()
		w.release()
	}
}

// release gives the chunks back to the pool once the goroutines ended:
// cur, and the others, all back in free by then.
func (w *BulkWriter) release() {
	for range directChunks - 1 {
		select {
		case b := <-w.free:
			putChunk(b)
		default: // not expected; such a chunk is left to the collector
		}
	}
	putChunk(w.cur)
	w.cur = nil
}

func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		if err != nil {
			ferr = err
			return
		}
		if on {
			fl |= unix.O_DIRECT
		} else {
			fl &^= unix.O_DIRECT
		}
		_, ferr = unix.FcntlInt(fd, unix.F_SETFL, fl)
	})
	if err != nil {
		return err
	}
	return ferr
}

func alignUp(n int64) int64 { return (n + directAlign - 1) &^ (directAlign - 1) }
