package packet

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// Every full block before the SIZE block is opened under K_full with its
// own counter nonce, so several can be opened at once. Opening is most of
// a toss's CPU; done one block at a time it leaves the second core idle
// while the first decrypts. Past the first openParallelAfter blocks the
// Reader therefore reads openBatch full-size blocks and opens them here
// and on a short-lived goroutine, each taking the next block from a shared
// counter (joined before next returns: an abandoned Reader leaves nothing
// running). The first block that does not
// open under K_full, and whatever was read after it, goes back in front
// of the stream for the sequential code, which knows the SIZE block, the
// tail and every error case.
const openBatch = 8

// openParallelAfter is how many blocks a Reader opens one by one before
// it batches.
const openParallelAfter = 8

type openJob struct {
	ct []byte // as read; never overwritten by a failed Open
	pt []byte // decrypted, when ok
	n  int    // bytes read into ct
	ok bool
}

type batch struct {
	jobs  []openJob
	used  int   // jobs read into (a short or failed read ends a batch)
	pos   int   // next job to hand out
	rerr  error // the read error that ended the batch, if any
	ended bool  // a block did not open: the sequential reader took over
	off   bool  // never batch: tests compare the batched reader with this one
}

// nextBatched hands out the next block of a decrypted batch, reading and
// opening a new batch when this one is used up. It returns false when the
// sequential reader must take the next block; the stream then yields
// exactly the bytes it would have without batching.
func (pr *Reader) nextBatched() bool {
	b := &pr.batch
	if b.ended {
		return false
	}
	if b.pos == b.used && b.rerr == nil {
		pr.readBatch()
	}
	if b.pos == b.used { // nothing more: give the read error to the sequential reader
		b.ended = true
		pr.unread(nil)
		return false
	}
	j := &b.jobs[b.pos]
	if !j.ok {
		b.ended = true
		pr.unread(b.jobs[b.pos:b.used])
		return false
	}
	b.pos++
	pr.n.inc()
	pr.block++
	pr.got += int64(len(j.pt))
	pr.pending = j.pt
	return true
}

// readBatch reads up to openBatch full-size blocks and opens them.
func (pr *Reader) readBatch() {
	b := &pr.batch
	if b.jobs == nil {
		b.jobs = make([]openJob, openBatch)
		for i := range b.jobs {
			b.jobs[i].ct = make([]byte, BlockSize+TagSize)
			b.jobs[i].pt = make([]byte, BlockSize)
		}
	}
	b.used, b.pos, b.rerr = 0, 0, nil
	for b.used < openBatch {
		j := &b.jobs[b.used]
		n, err := io.ReadFull(pr.r, j.ct)
		j.n, j.ok = n, false
		if n > 0 {
			b.used++
		}
		if err != nil {
			if err != io.ErrUnexpectedEOF {
				b.rerr = err
			} else {
				b.rerr = io.EOF
			}
			break
		}
	}
	full := b.used
	if full > 0 && b.jobs[full-1].n < len(b.jobs[full-1].ct) {
		full-- // a short block is never a K_full block
	}
	var next atomic.Int32
	if full < 2 {
		pr.openJobs(&next, full)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { pr.openJobs(&next, full) })
	pr.openJobs(&next, full)
	wg.Wait()
}

// openJobs opens jobs of the batch, taking the next one from the shared
// counter until none is left below n: a helper that starts late (the
// other core busy) leaves more to the caller instead of making it wait.
// Job i has nonce pr.n + i.
func (pr *Reader) openJobs(next *atomic.Int32, n int) {
	for {
		i := int(next.Add(1)) - 1
		if i >= n {
			return
		}
		nc := pr.n
		for range i {
			nc.inc()
		}
		j := &pr.batch.jobs[i]
		pt, err := pr.keys.full.Open(j.pt[:0], nc[:], j.ct, pr.ad[:])
		if err == nil {
			j.pt, j.ok = pt, true
		}
	}
}

// unread puts the bytes of jobs back in front of the stream, followed by
// the read error that ended the batch, if any.
func (pr *Reader) unread(jobs []openJob) {
	var back []byte
	for _, j := range jobs {
		back = append(back, j.ct[:j.n]...)
	}
	rest := pr.r
	if pr.batch.rerr != nil {
		rest = errReader{pr.batch.rerr}
	}
	pr.r = io.MultiReader(bytes.NewReader(back), rest)
	pr.batch.jobs = nil // the buffers are not needed any more
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
