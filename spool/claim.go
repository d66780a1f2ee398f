package spool

import (
	"sync"

	"github.com/ferry-dtn/ferry/packet"
)

// claims counts the bytes promised to downloads under way in this
// process and not written yet. A daemon's sessions share one Spool, so
// offers taken by several sessions at once cannot together overrun the
// space that each alone would fit: the free space a filesystem reports
// drops only as the data lands.
type claims struct {
	mu sync.Mutex
	n  int64
}

func (c *claims) total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *claims) add(d int64) {
	c.mu.Lock()
	c.n += d
	c.mu.Unlock()
}

// Claim is space promised to one download. Its owner calls Used as data
// is written and Release when the download ends, finished or not. A
// Claim is not safe for concurrent use: its owner serialises the calls.
type Claim struct {
	c    *claims
	left int64
}

// Claim promises need bytes of node's filesystem to one download when
// they fit above the reserve and the other claims; otherwise it returns
// an error wrapping ErrNoRoom, with the Room that decided.
func (s *Spool) Claim(node packet.ID, need int64, reserve func(total uint64) uint64) (*Claim, Room, error) {
	r, err := s.roomFor(node, reserve) // outside the lock: statfs is I/O
	if err != nil {
		return nil, r, err
	}
	s.claims.mu.Lock()
	defer s.claims.mu.Unlock()
	r.Claimed = s.claims.n
	if need > r.Left() {
		return nil, r, noRoom(need, r)
	}
	s.claims.n += need
	return &Claim{c: &s.claims, left: need}, r, nil
}

// Used records n bytes written: the filesystem's free space now shows
// them, so the promise shrinks by as much.
func (c *Claim) Used(n int64) {
	if c == nil || c.left == 0 {
		return
	}
	n = min(n, c.left)
	c.left -= n
	c.c.add(-n)
}

// Release gives back what was promised and not written.
func (c *Claim) Release() {
	if c == nil {
		return
	}
	c.Used(c.left)
}
