package packet

import (
	"sync"
	"sync/atomic"
)

// Every full block before the SIZE block is sealed under K_full with its
// own counter nonce, so blocks do not depend on each other. Sealing is
// most of a queue's CPU; done one block at a time it leaves the second
// core to the hasher and the disk writer, which need far less. Past the
// first sealParallelAfter blocks the Writer therefore fills a batch of
// sealBatchLen blocks in place and, once the batch is full (or at Close),
// seals it on the caller's goroutine and one short-lived helper, joined
// before Write returns: an abandoned Writer leaves nothing running. The
// two take blocks from a shared counter, so when the helper starts late
// (the other core busy) the caller simply seals more of them. The batch
// goes out in one write, byte for byte what the sequential code writes.
// The SIZE block and the tail stay sequential, in Close.
const (
	sealBatchLen      = 8
	sealParallelAfter = 8 // a packet shorter than this never allocates the batch
	sealSlot          = BlockSize + TagSize
)

type sealBatch struct {
	area   []byte // sealBatchLen slots of sealSlot bytes, nil until the packet is long
	queued int    // full blocks in area waiting to be sealed, before the one being filled
	off    bool   // seal every block on the caller's goroutine (tests compare the two)
}

func (b *sealBatch) slot(i int) []byte {
	return b.area[i*sealSlot : (i+1)*sealSlot : (i+1)*sealSlot]
}

// fullBlock takes the block in buf, which is full: it is sealed at once
// while the packet is short, queued in the batch afterwards.
func (pw *Writer) fullBlock() error {
	b := &pw.batch
	pw.blocks++
	pw.fill = 0
	if b.area == nil {
		if err := pw.seal(pw.keys.full, BlockSize); err != nil {
			return err
		}
		if !b.off && pw.blocks >= sealParallelAfter {
			b.area = make([]byte, sealBatchLen*sealSlot)
			pw.buf = b.slot(0)
		}
		return nil
	}
	b.queued++
	if b.queued < sealBatchLen {
		pw.buf = b.slot(b.queued)
		return nil
	}
	err := pw.flushBatch()
	pw.buf = b.slot(0)
	return err
}

// flushBatch seals the queued full blocks and writes them, in order. The
// block being filled, if any, stays where it is.
func (pw *Writer) flushBatch() error {
	b := &pw.batch
	n := b.queued
	if n == 0 {
		return nil
	}
	b.queued = 0
	pw.sealQueued(n)
	for range n {
		pw.n.inc()
	}
	if _, err := pw.w.Write(b.area[:n*sealSlot]); err != nil {
		pw.err = err
		return err
	}
	return nil
}

// sealQueued seals slots [0, n) in place, slot i under nonce pw.n + i.
func (pw *Writer) sealQueued(n int) {
	var next atomic.Int32
	work := func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			nc := pw.n
			for range i {
				nc.inc()
			}
			s := pw.batch.slot(i)
			pw.keys.full.Seal(s[:0], nc[:], s[:BlockSize], pw.ad[:])
		}
	}
	if n == 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	wg.Go(work)
	work()
	wg.Wait()
}
