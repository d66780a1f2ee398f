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
	ct  []byte // as read; never overwritten by a failed Open
	buf []byte // the job's own plaintext buffer
	dst []byte // where this batch decrypts it: buf, or the caller's buffer (readInto)
	pt  []byte // decrypted, when ok
	n   int    // bytes read into ct
	ok  bool
}

type batch struct {
	jobs  []openJob
	used  int   // jobs read into (a short or failed read ends a batch)
	pos   int   // next job to hand out
	rerr  error // the read error that ended the batch, if any
	ended bool  // a block did not open: the sequential reader took over
	one   bool  // the next batch is of one block: it is read into less than a block
	into  bool  // the last batch was decrypted into the caller's buffer
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
		pr.readBatch(nil)
		b.one = false
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

// batchedInto says whether the next Read, into p, decrypts a new batch
// straight into p (readInto): p must hold two blocks or more, so that the
// batch is still opened on both cores. A consumer reading that way (into
// its output chunks) comes to the end of a chunk with room for less: a
// batch then is only as long as the room (one block when less than a
// block, handed out through a copy), so that the next Read, into a new
// chunk, starts a batch again rather than being handed the rest of one.
// A consumer with a small buffer (a copy loop's) keeps whole batches.
func (pr *Reader) batchedInto(p []byte) bool {
	b := &pr.batch
	if len(pr.pending) > 0 || pr.err != nil || pr.sizeSeen || b.off || b.ended ||
		pr.block < openParallelAfter || b.pos != b.used || b.rerr != nil {
		return false
	}
	into := len(p) >= 2*BlockSize || b.into && len(p) >= BlockSize
	b.one = !into && b.into
	b.into = into
	return into
}

// readInto reads a batch of up to len(p)/BlockSize blocks and opens them
// straight into p, saving the copy out of the batch's own buffers: a
// bulk consumer reading into its output buffer (fsio.BulkWriter.ReadFrom)
// gets each byte decrypted where it is written from. It returns how many
// bytes of p hold the blocks that opened, in order; 0 leaves the batch
// to nextBatched, which hands over to the sequential reader as usual. A
// failed Open zeroes its part of p: past the bytes returned, p holds
// nothing of use.
func (pr *Reader) readInto(p []byte) int {
	b := &pr.batch
	pr.readBatch(p[:min(openBatch, len(p)/BlockSize)*BlockSize])
	n := 0
	for b.pos < b.used && b.jobs[b.pos].ok {
		j := &b.jobs[b.pos]
		b.pos++
		pr.n.inc()
		pr.block++
		pr.got += int64(len(j.pt))
		n += len(j.pt)
	}
	return n
}

// readBatch reads up to openBatch full-size blocks and opens them, into
// the jobs' own buffers, or into dst (whole blocks) when it is not nil:
// then at most len(dst)/BlockSize blocks.
func (pr *Reader) readBatch(dst []byte) {
	b := &pr.batch
	if b.jobs == nil {
		b.jobs = make([]openJob, openBatch)
		for i := range b.jobs {
			b.jobs[i].ct = make([]byte, BlockSize+TagSize)
			b.jobs[i].buf = make([]byte, BlockSize)
		}
	}
	jobs := openBatch
	if dst != nil {
		jobs = len(dst) / BlockSize
	} else if b.one {
		jobs = 1
	}
	for i := range b.jobs {
		j := &b.jobs[i]
		j.dst = j.buf
		if i < jobs && dst != nil {
			j.dst = dst[i*BlockSize : (i+1)*BlockSize : (i+1)*BlockSize]
		}
	}
	b.used, b.pos, b.rerr = 0, 0, nil
	for b.used < jobs {
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
		pt, err := pr.keys.full.Open(j.dst[:0], nc[:], j.ct, pr.ad[:])
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
