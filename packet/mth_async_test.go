package packet

// AsyncMTH hashes on a second goroutine, as the spool's bulk writer does
// for a long packet: BenchmarkEncrypt uses it so that "encrypt + MTH"
// measures sealing and hashing side by side, as queueing does, without
// a disk. The first asyncAfter bytes are hashed inline. Sum or Abandon
// must be called to stop the goroutine.
type AsyncMTH struct {
	m       *MTH
	n       int64
	started bool
	ch      chan []byte
	free    chan []byte
	cur     []byte
	done    chan ID
	sent    bool
}

const (
	asyncBuffers = 4
	asyncAfter   = 1 << 20
)

// NewAsyncMTH returns a hasher that moves to its own goroutine once the
// input grows past 1 MiB.
func NewAsyncMTH() *AsyncMTH { return &AsyncMTH{m: NewMTH()} }

func (a *AsyncMTH) start() {
	a.started = true
	a.ch = make(chan []byte, asyncBuffers)
	a.free = make(chan []byte, asyncBuffers+1)
	a.done = make(chan ID, 1)
	for range asyncBuffers + 1 {
		a.free <- make([]byte, 0, BlockSize)
	}
	a.cur = <-a.free
	m := a.m
	go func() {
		for b := range a.ch {
			m.Write(b)
			a.free <- b[:0]
		}
		a.done <- m.Sum()
	}()
}

// Write queues p for hashing. It never fails.
func (a *AsyncMTH) Write(p []byte) (int, error) {
	n := len(p)
	if !a.started {
		if a.n+int64(len(p)) <= asyncAfter {
			a.n += int64(len(p))
			return a.m.Write(p)
		}
		a.start()
	}
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

// Sum waits for the hasher and returns the root. It may be called again.
func (a *AsyncMTH) Sum() ID {
	if !a.started {
		if !a.sent {
			a.sent = true
			a.done = make(chan ID, 1)
			a.done <- a.m.Sum()
		}
		id := <-a.done
		a.done <- id
		return id
	}
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
