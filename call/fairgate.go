package call

import (
	"errors"
	"sync"
	"time"
)

// errHandshakeWait: the turn to compute message 1 did not come in time.
var errHandshakeWait = errors.New("handshake: timed out waiting for a turn to compute")

// fairGate lets at most n holders in at once. Waiters queue by source
// address and turns go round the sources, so a source with many
// connections waiting delays another source's one by at most one turn
// per source, not by its whole queue.
//
// In Noise-IK the responder does two X25519 operations on message 1
// before it knows who is calling; the gate keeps that work from anyone
// who cares to send message 1s to a part of the CPUs, and the rest for
// the sessions of neighbours.
type fairGate struct {
	mu     sync.Mutex
	free   int
	queues map[string][]chan struct{} // a waiter's channel is closed on its turn
	order  []string                   // sources with waiters, next turn first
}

func newFairGate(n int) *fairGate {
	return &fairGate{free: n, queues: map[string][]chan struct{}{}}
}

// acquire waits for a turn for src; gone or timeout abandon the wait.
func (g *fairGate) acquire(src string, gone <-chan struct{}, timeout <-chan time.Time) error {
	g.mu.Lock()
	if g.free > 0 && len(g.order) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	turn := make(chan struct{})
	if len(g.queues[src]) == 0 {
		g.order = append(g.order, src)
	}
	g.queues[src] = append(g.queues[src], turn)
	g.mu.Unlock()
	var err error
	select {
	case <-turn:
		return nil
	case <-gone:
		err = errEvicted
	case <-timeout:
		err = errHandshakeWait
	}
	g.mu.Lock()
	queued := g.remove(src, turn)
	g.mu.Unlock()
	if !queued { // the turn came as we gave up: pass it on
		g.release()
	}
	return err
}

// remove takes turn out of src's queue; false when it is not there any
// more (its turn was given).
func (g *fairGate) remove(src string, turn chan struct{}) bool {
	q := g.queues[src]
	for i, t := range q {
		if t != turn {
			continue
		}
		q = append(q[:i], q[i+1:]...)
		if len(q) > 0 {
			g.queues[src] = q
			return true
		}
		delete(g.queues, src)
		for j, s := range g.order {
			if s == src {
				g.order = append(g.order[:j], g.order[j+1:]...)
				break
			}
		}
		return true
	}
	return false
}

// release ends a turn and gives the next one to the source first in line.
func (g *fairGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.order) == 0 {
		g.free++
		return
	}
	src := g.order[0]
	g.order = g.order[1:]
	q := g.queues[src]
	close(q[0])
	if q = q[1:]; len(q) > 0 {
		g.queues[src] = q
		g.order = append(g.order, src)
	} else {
		delete(g.queues, src)
	}
}
