package packet

import (
	"bytes"
	"io"
	"sync"
)

// Every full block before the SIZE block is opened under K_full with its
// own counter nonce, so several can be opened at once. Opening is most of
// a toss's CPU; done one block at a time it leaves the second core idle
// while the first decrypts. Past the first openParallelAfter blocks the
// Reader therefore reads openBatch full-size blocks and opens them half
// here, half on a short-lived goroutine (joined before next returns: an
// abandoned Reader leaves nothing running). The first block that does not
// open under K_full, and whatever was read after it, goes back in front
// of the stream for the sequential code, which knows the SIZE block, the
// tail and every error case.
const openBatch = 8

// openParallelAfter is a variable only so that tests can compare the
// batched reader with the sequential one (-1 turns batching off).
var openParallelAfter = 8

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
	half := full / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pr.openJobs(half, full)
	}()
	pr.openJobs(0, half)
	wg.Wait()
}

// openJobs opens jobs [from, to) of the batch; job i has nonce pr.n + i.
func (pr *Reader) openJobs(from, to int) {
	n := pr.n
	for range from {
		n.inc()
	}
	for i := from; i < to; i++ {
		j := &pr.batch.jobs[i]
		pt, err := pr.keys.full.Open(j.pt[:0], n[:], j.ct, pr.ad[:])
		if err == nil {
			j.pt, j.ok = pt, true
		}
		n.inc()
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
