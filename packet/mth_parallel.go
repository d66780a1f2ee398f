package packet

import (
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// The leaves of an MTH are independent keyed BLAKE3 hashes of 128 KiB
// blocks, so a whole file's can be hashed on both cores. A parallel MTH
// gathers leafBatchLen leaves and hashes them on the caller's goroutine
// and one short-lived helper, which take leaves from a shared counter (a
// helper that starts late leaves more to the caller) and are joined
// before Write returns. ReadFrom goes further: it reads the next batch
// while the helper hashes the last one, then helps it finish, so reading
// and hashing overlap; it too joins before returning. Nothing runs
// between calls, so an abandoned hasher leaves nothing behind. A regular
// file does better still through ReadAtFrom (mth_readat.go), where both
// goroutines read as well as hash.
//
// Only hashers that have the machine to themselves should be parallel:
// one fed beside a cipher (a packet being queued or received) would take
// the core the cipher needs.
const (
	leafBatchLen = 16
	leafBatch    = leafBatchLen * BlockSize
	// ReadFrom reads this much through Write first: a short input never
	// allocates the batch buffers.
	mthParallelAfter = 1 << 20
)

// Parallel makes m hash batches of leaves on two goroutines (see above)
// and returns it. The result does not change.
func (m *MTH) Parallel() *MTH {
	m.par = true
	return m
}

// leafJob is one batch of whole blocks being hashed.
type leafJob struct {
	data []byte
	n    int
	ids  [leafBatchLen]ID
	next atomic.Int32
	wg   sync.WaitGroup
}

func (j *leafJob) work(h hash.Hash) {
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			return
		}
		hashBlock(h, j.data[i*BlockSize:(i+1)*BlockSize], &j.ids[i])
	}
}

// startLeaves starts hashing data, at most leafBatchLen whole blocks, on
// a helper goroutine; finishLeaves must follow.
func (m *MTH) startLeaves(data []byte) *leafJob {
	if m.jobs == nil {
		m.jobs = new(leafJob)
	}
	j := m.jobs
	j.data, j.n = data, len(data)/BlockSize
	j.next.Store(0)
	if j.n > 1 {
		j.wg.Go(func() {
			h := blockHashers.Get().(hash.Hash)
			j.work(h)
			blockHashers.Put(h)
		})
	}
	return j
}

// finishLeaves hashes what the helper has not taken, waits for it and
// adds the leaves in order.
func (m *MTH) finishLeaves(j *leafJob) {
	j.work(m.blockHasher())
	j.wg.Wait()
	for i := range j.n {
		m.addLeafID(j.ids[i])
	}
	j.data = nil
}

// hashWhole hashes data, a whole number of blocks, batch by batch.
func (m *MTH) hashWhole(data []byte) {
	for len(data) > 0 {
		k := min(len(data), leafBatch)
		m.finishLeaves(m.startLeaves(data[:k]))
		data = data[k:]
	}
}

// writeBatched is Write for a parallel hasher: full batches are hashed
// straight from p, the rest gathered in buf. Any whole block may be
// hashed at once: a leaf is the same whether or not it is the last.
func (m *MTH) writeBatched(p []byte) {
	if len(m.buf) > 0 {
		k := min(len(p), leafBatch-len(m.buf))
		m.buf = append(m.buf, p[:k]...)
		p = p[k:]
		if len(m.buf) < leafBatch {
			return
		}
		m.hashWhole(m.buf)
		m.buf = m.buf[:0]
	}
	whole := len(p) / leafBatch * leafBatch
	m.hashWhole(p[:whole])
	m.buf = append(m.buf, p[whole:]...)
}

// flushWhole hashes the whole blocks gathered in buf, leaving the short
// last one, if any, for Sum.
func (m *MTH) flushWhole() {
	whole := len(m.buf) / BlockSize * BlockSize
	if whole == 0 {
		return
	}
	m.hashWhole(m.buf[:whole])
	m.buf = append(m.buf[:0], m.buf[whole:]...)
}

// ReadFrom hashes everything r yields. A parallel hasher overlaps reading
// a batch with hashing the one before (see above).
func (m *MTH) ReadFrom(r io.Reader) (int64, error) {
	// Through Write: all of it for a sequential hasher; for a parallel
	// one up to the next block boundary and mthParallelAfter more.
	lead := int64(-1)
	if m.par {
		lead = m.skip + int64((BlockSize-len(m.buf)%BlockSize)%BlockSize) + mthParallelAfter
	}
	blk := make([]byte, BlockSize)
	var total int64
	for lead < 0 || total < lead {
		want := blk
		if lead >= 0 {
			want = blk[:min(int64(len(blk)), lead-total)]
		}
		k, err := r.Read(want)
		m.Write(want[:k])
		total += int64(k)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	m.flushWhole() // skip is 0 and buf whole blocks: batches start at a boundary
	bufs := [2][]byte{make([]byte, leafBatch), make([]byte, leafBatch)}
	var busy *leafJob
	defer func() {
		if busy != nil { // a read failed: still join the helper
			m.finishLeaves(busy)
		}
	}()
	for cur := 0; ; cur ^= 1 {
		k, err := io.ReadFull(r, bufs[cur])
		total += int64(k)
		if busy != nil {
			m.finishLeaves(busy)
			busy = nil
		}
		if k == leafBatch {
			busy = m.startLeaves(bufs[cur])
		} else {
			m.Write(bufs[cur][:k])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if busy != nil {
				m.finishLeaves(busy)
				busy = nil
			}
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
