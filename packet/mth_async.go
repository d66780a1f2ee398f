package packet

// AsyncMTH hashes on a second goroutine so that encrypting and hashing a
// packet use both cores: measured, queueing goes from about 55% to over
// 80% of raw ChaCha20-Poly1305 speed on two cores. Memory is bounded by a
// few 128 KiB buffers. Sum or Abandon must be called to stop the goroutine.
type AsyncMTH struct {
	ch   chan []byte
	free chan []byte
	cur  []byte
	done chan ID
	sent bool
}

const asyncBuffers = 4

// NewAsyncMTH starts a hasher goroutine.
func NewAsyncMTH() *AsyncMTH {
	a := &AsyncMTH{
		ch:   make(chan []byte, asyncBuffers),
		free: make(chan []byte, asyncBuffers+1),
		done: make(chan ID, 1),
	}
	for range asyncBuffers + 1 {
		a.free <- make([]byte, 0, BlockSize)
	}
	a.cur = <-a.free
	go func() {
		m := NewMTH()
		for b := range a.ch {
			m.Write(b)
			a.free <- b[:0]
		}
		a.done <- m.Sum()
	}()
	return a
}

// Write queues p for hashing. It never fails.
func (a *AsyncMTH) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(a.cur[len(a.cur):BlockSize], p)
		a.cur = a.cur[:len(a.cur)+k]
		p = p[k:]
		if len(a.cur) == BlockSize {
			a.ch <- a.cur
			a.cur = <-a.free
		}
	}
	return n, nil
}

// Sum waits for the hasher and returns the root.
func (a *AsyncMTH) Sum() ID {
	if !a.sent {
		a.sent = true
		if len(a.cur) > 0 {
			a.ch <- a.cur
		}
		close(a.ch)
	}
	id := <-a.done
	a.done <- id
	return id
}

// Abandon stops the hasher without a result.
func (a *AsyncMTH) Abandon() { a.Sum() }
