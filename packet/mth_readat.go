package packet

import (
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// ReadAtFrom is ReadFrom for an input that can be read at any offset (a
// regular file). ReadFrom reads on one goroutine, so copying from the
// page cache (15% of its CPU) stays on one core and the helper waits for
// each batch; here both goroutines claim the next batch of a window,
// read it with ReadAt into their own buffer and hash its leaves there,
// so copying and hashing both run on both cores, and the copy is still
// in the core's cache when it is hashed. After each window the caller
// waits for the helper and adds the window's leaves in order: the helper
// lives for one window and nothing runs between calls.
//
// The geometry: a batch small enough to stay in a core's L2 cache
// between the copy and the hash, a window long enough that the join
// (where one goroutine may wait for the other's last batch) is rare, and
// short enough that the leaves it holds stay small. Measured on 1 GiB:
// batches of 128 KiB to 1 MiB and windows of 32 MiB to 1 GiB all within
// 3% of each other; the choice is not critical.
const (
	readAtBatch     = 4 * BlockSize // 512 KiB
	readAtWindowLen = 64            // batches: 32 MiB, 8 KiB of leaves
)

// readAtGeom is the batch and window size; tests shrink them to cross
// every edge with small inputs.
type readAtGeom struct {
	batch  int // bytes, a multiple of BlockSize
	window int // batches
}

// ReadAtFrom hashes r from off until ReadAt reports its end, as ReadFrom
// would from a reader positioned at off, and counts what it hashes on
// meter (which may be nil; it is only called on this goroutine). A read
// that comes back short ends the input there, as with ReadFrom; its error
// is returned unless it is io.EOF. A sequential hasher reads it in order.
func (m *MTH) ReadAtFrom(r io.ReaderAt, off int64, meter *ProgressMeter) (int64, error) {
	return m.readAtFrom(r, off, meter, readAtGeom{readAtBatch, readAtWindowLen})
}

// MTHOfReaderAt hashes r from offset 0 to its end on both cores.
func MTHOfReaderAt(r io.ReaderAt) (ID, int64, error) {
	m := NewMTH().Parallel()
	n, err := m.ReadAtFrom(r, 0, nil)
	if err != nil {
		return ID{}, n, err
	}
	return m.Sum(), n, nil
}

func (m *MTH) readAtFrom(r io.ReaderAt, off int64, meter *ProgressMeter, g readAtGeom) (int64, error) {
	if !m.par {
		return m.ReadFrom(meter.Reader(io.NewSectionReader(r, off, 1<<63-1-off)))
	}
	// The same lead as ReadFrom (see there): up to a block boundary of
	// the stream and mthParallelAfter more through Write, so a short
	// input allocates no batch buffers.
	lead := m.skip + int64((BlockSize-len(m.buf)%BlockSize)%BlockSize) + mthParallelAfter
	var total int64
	blk := make([]byte, min(lead, BlockSize))
	for total < lead {
		want := blk[:min(int64(len(blk)), lead-total)]
		k, err := r.ReadAt(want, off+total)
		if k < len(want) && err == nil { // against ReadAt's contract: do not spin
			err = io.ErrNoProgress
		}
		m.Write(want[:k])
		meter.Add(k)
		total += int64(k)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	m.flushWhole() // buf is whole blocks: the leaves start at a boundary
	w := newReadAtWindow(g)
	defer w.release()
	for {
		ends := w.run(r, off+total, m)
		nb := w.done
		for i := range nb * w.perBatch {
			m.addLeafID(w.ids[i])
		}
		meter.Add(nb * g.batch)
		total += int64(nb * g.batch)
		if !ends {
			continue
		}
		short := w.short
		m.Write(short.buf[:short.n]) // a part batch: its last block may be the final leaf
		meter.Add(short.n)
		total += int64(short.n)
		if short.err == io.EOF {
			return total, nil
		}
		return total, short.err
	}
}

// readAtWindow is the state two goroutines share while hashing one
// window of batches.
type readAtWindow struct {
	g        readAtGeom
	perBatch int  // leaves in a batch
	ids      []ID // the window's leaves, batch by batch
	workers  [2]readAtWorker
	next     atomic.Int32  // the next batch to claim
	stop     atomic.Bool   // a batch came back short: claim no more
	done     int           // after run: the full batches before the first short one
	short    *readAtWorker // after run: the worker holding the first short batch, if any
}

// readAtWorker is one goroutine's buffer and what its last read gave.
type readAtWorker struct {
	buf []byte
	h   hash.Hash
	at  int // the short batch's index, or -1
	n   int // bytes it read there
	err error
}

func newReadAtWindow(g readAtGeom) *readAtWindow {
	w := &readAtWindow{g: g, perBatch: g.batch / BlockSize}
	w.ids = make([]ID, g.window*w.perBatch)
	for i := range w.workers {
		w.workers[i].buf = make([]byte, g.batch)
		w.workers[i].h = blockHashers.Get().(hash.Hash)
	}
	return w
}

func (w *readAtWindow) release() {
	for i := range w.workers {
		blockHashers.Put(w.workers[i].h)
		w.workers[i].h = nil
	}
}

// run hashes the window of batches starting at base on this goroutine
// and a helper, and joins it. It reports whether the input ended (or
// failed) in this window.
func (w *readAtWindow) run(r io.ReaderAt, base int64, m *MTH) bool {
	w.next.Store(0)
	w.stop.Store(false)
	var wg sync.WaitGroup
	wg.Go(func() { w.work(&w.workers[1], r, base) })
	w.work(&w.workers[0], r, base)
	wg.Wait()
	w.done, w.short = w.g.window, nil
	for i := range w.workers {
		if wk := &w.workers[i]; wk.at >= 0 && wk.at < w.done {
			w.done, w.short = wk.at, wk
		}
	}
	return w.short != nil
}

// work claims batches until the window is done or one comes back short.
// A short batch is left unhashed in the worker's buffer: it ends the
// input only if no earlier one is short too, which the join decides.
func (w *readAtWindow) work(wk *readAtWorker, r io.ReaderAt, base int64) {
	wk.at, wk.n, wk.err = -1, 0, nil
	for !w.stop.Load() {
		i := int(w.next.Add(1)) - 1
		if i >= w.g.window {
			return
		}
		n, err := r.ReadAt(wk.buf, base+int64(i*w.g.batch))
		if n < len(wk.buf) {
			if err == nil { // against ReadAt's contract
				err = io.ErrNoProgress
			}
			wk.at, wk.n, wk.err = i, n, err
			w.stop.Store(true)
			return
		}
		ids := w.ids[i*w.perBatch : (i+1)*w.perBatch]
		for j := range ids {
			hashBlock(wk.h, wk.buf[j*BlockSize:(j+1)*BlockSize], &ids[j])
		}
	}
}
