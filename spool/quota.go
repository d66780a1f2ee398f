package spool

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ferry-dtn/ferry/packet"
)

// Quotas cap what waits in the spool, per queue and per direction, in
// bytes and in packets (ferry-quota in the config). What a queue holds
// is counted from its directory (usage.go) and cached until it changes;
// what is promised and not yet in place is held here, in memory, shared
// by every session of a process as the free-space claims are:
//
//	queue used = complete packets (index sizes)
//	           + .part and .nock files no download of ours holds (file sizes)
//	           + the quota claims of downloads and commits under way (full packet sizes)
//
// A download's claim covers its .part while it grows, so two sessions
// cannot both take the last room; admit hands a claim over to the
// complete packet in the same step, so nothing is counted twice or not
// at all. Other processes' changes show as the directory changes.

// Usage is what a queue holds.
type Usage struct {
	Bytes, Packets int64
}

func (u Usage) add(v Usage) Usage { return Usage{u.Bytes + v.Bytes, u.Packets + v.Packets} }

// Limit caps a queue's Usage: 0 fields are unlimited. Its fields are
// cfg.Limit's, so one converts to the other.
type Limit struct {
	Bytes, Packets int64
}

func (l Limit) set() bool { return l.Bytes > 0 || l.Packets > 0 }

// over reports whether used plus need passes the limit.
func (l Limit) over(used, need Usage) bool {
	return (l.Bytes > 0 && used.Bytes+need.Bytes > l.Bytes) ||
		(l.Packets > 0 && used.Packets+need.Packets > l.Packets)
}

// Quota caps one queue: Own limits the queue itself, All every node's
// queues of the same direction together.
type Quota struct {
	Own, All Limit
}

// Set reports whether the quota caps anything.
func (q Quota) Set() bool { return q.Own.set() || q.All.set() }

// ErrQuotaFull says a packet does not fit in a queue's quota.
var ErrQuotaFull = errors.New("quota full")

// QuotaError is a packet refused for a quota, with the numbers that
// decided. It wraps ErrQuotaFull.
type QuotaError struct {
	Node   packet.ID // the queue's node
	XX     XX
	Global bool // the quota of all queues together, not the queue's own
	Limit  Limit
	Used   Usage // queued and promised when asked
	Need   Usage // what was asked for
}

func (e *QuotaError) Error() string {
	what := string(e.XX) + " quota full"
	if e.Global {
		what = "global " + what
	}
	if e.Limit.Bytes > 0 && e.Used.Bytes+e.Need.Bytes > e.Limit.Bytes {
		return fmt.Sprintf("%s: %s of %s queued, needs %s", what, HumanBytes(e.Used.Bytes), HumanBytes(e.Limit.Bytes), HumanBytes(e.Need.Bytes))
	}
	return fmt.Sprintf("%s: %d of %d packets queued, needs %d more", what, e.Used.Packets, e.Limit.Packets, e.Need.Packets)
}

func (e *QuotaError) Unwrap() error { return ErrQuotaFull }

// HumanBytes writes n in binary units, one decimal rounded down, so
// that a queue just under its quota never reads as at it: 1.9 GiB.
func HumanBytes(n int64) string {
	if n < 1<<10 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n)/1024, 0
	for v >= 1024 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	return strconv.FormatFloat(math.Floor(v*10)/10, 'f', -1, 64) + " " + units[u]
}

type queueKey struct {
	node packet.ID
	xx   XX
}

// quotas is a Spool's accounting: cached counts of its queues and the
// claims under way. mu guards both and is never held across I/O.
type quotas struct {
	mu     sync.Mutex
	queues map[queueKey]*queueCache
	claims map[queueKey]map[packet.ID]*QuotaClaim
	reads  atomic.Int64 // queue directories read (readCount), for tests
}

// QuotaClaim is room in a queue's quota promised to one packet on its
// way in: a download, or a packet being committed. It ends when the
// packet enters the queue (admit) or when its owner calls Release.
type QuotaClaim struct {
	s    *Spool
	key  queueKey
	id   packet.ID
	size int64
}

// Release gives the room back (the download ended without the packet).
// It may be called more than once, and on nil.
func (c *QuotaClaim) Release() {
	if c == nil {
		return
	}
	q := &c.s.quota
	q.mu.Lock()
	held := q.claims[c.key][c.id] == c
	if held {
		delete(q.claims[c.key], c.id)
	}
	q.mu.Unlock()
	if held {
		// The download's .part, if it stays, is counted from the disk
		// again: its size in a cached count is that of when it opened.
		c.s.touched(c.key.node, c.key.xx)
	}
}

// QuotaUsage is what node's xx queue holds and has promised, and what
// every node's xx queues hold together: the numbers a quota is checked
// against.
func (s *Spool) QuotaUsage(node packet.ID, xx XX) (own, all Usage, err error) {
	counts, err := s.lockedCounts(node, xx, true)
	if err != nil {
		return Usage{}, Usage{}, err
	}
	defer s.quota.mu.Unlock()
	own, all = s.usedLocked(node, xx, counts)
	return own, all, nil
}

// ClaimQuota promises room for a packet of size bytes in node's xx
// queue when it fits both its own quota and the global one, counting
// what the queues hold and what other claims promised. Otherwise it
// returns a *QuotaError. An unset quota claims nothing (a nil claim).
// A second claim for the same packet replaces the first.
func (s *Spool) ClaimQuota(node, id packet.ID, xx XX, size int64, q Quota) (*QuotaClaim, error) {
	if !q.Set() {
		return nil, nil
	}
	counts, err := s.lockedCounts(node, xx, q.All.set())
	if err != nil {
		return nil, fmt.Errorf("count %s queue of %s: %w", xx, node, err)
	}
	defer s.quota.mu.Unlock()
	key := queueKey{node, xx}
	need := Usage{size, 1}
	// The claim goes in first, replacing any earlier one for the packet
	// (offered again): the packet's own .part, which it covers, is then
	// counted once, as the claim.
	c := &QuotaClaim{s: s, key: key, id: id, size: size}
	if s.quota.claims == nil {
		s.quota.claims = map[queueKey]map[packet.ID]*QuotaClaim{}
	}
	if s.quota.claims[key] == nil {
		s.quota.claims[key] = map[packet.ID]*QuotaClaim{}
	}
	s.quota.claims[key][id] = c
	own, all := s.usedLocked(node, xx, counts)
	own.Bytes, own.Packets = own.Bytes-size, own.Packets-1 // what was there besides
	all.Bytes, all.Packets = all.Bytes-size, all.Packets-1
	var full error
	switch {
	case q.Own.over(own, need):
		full = &QuotaError{Node: node, XX: xx, Limit: q.Own, Used: own, Need: need}
	case q.All.over(all, need):
		full = &QuotaError{Node: node, XX: xx, Global: true, Limit: q.All, Used: all, Need: need}
	}
	if full != nil {
		delete(s.quota.claims[key], id)
		return nil, full
	}
	return c, nil
}

// lockedCounts counts the queues a quota of node's xx queue looks at
// (every node's with all) and returns with s.quota.mu held, unless it
// fails. The counts read the disk, so the lock is taken after them;
// should this process change a counted queue in between (a download
// entering rx hands its claim over), they are taken again, so that no
// packet is missed between its claim and its count.
func (s *Spool) lockedCounts(node packet.ID, xx XX, all bool) (map[queueKey]queueCount, error) {
	for try := 0; ; try++ {
		counts, err := s.countsFor(node, xx, all)
		if err != nil {
			return nil, err
		}
		s.quota.mu.Lock()
		if s.freshLocked(counts) || try == maxRecounts {
			return counts, nil
		}
		s.quota.mu.Unlock()
	}
}

// maxRecounts bounds lockedCounts under a stream of changes: past it, a
// count at most one commit old decides.
const maxRecounts = 4

// CheckQuota reports, as a *QuotaError, whether need would take node's
// xx queue over quota q now; it promises nothing. A sending command asks
// it before writing a packet whose size it knows, so that a full queue
// refuses at once rather than after the write.
func (s *Spool) CheckQuota(node packet.ID, xx XX, need Usage, q Quota) error {
	if !q.Set() {
		return nil
	}
	counts, err := s.lockedCounts(node, xx, q.All.set())
	if err != nil {
		return fmt.Errorf("count %s queue of %s: %w", xx, node, err)
	}
	defer s.quota.mu.Unlock()
	own, all := s.usedLocked(node, xx, counts)
	if q.Own.over(own, need) {
		return &QuotaError{Node: node, XX: xx, Limit: q.Own, Used: own, Need: need}
	}
	if q.All.over(all, need) {
		return &QuotaError{Node: node, XX: xx, Global: true, Limit: q.All, Used: all, Need: need}
	}
	return nil
}

// usedLocked sums the usage of node's queue and of all queues of xx
// from counts and the claims. The caller holds s.quota.mu.
func (s *Spool) usedLocked(node packet.ID, xx XX, counts map[queueKey]queueCount) (own, all Usage) {
	for key, c := range counts {
		u := s.usedOfLocked(key, c)
		if key.node == node {
			own = u
		}
		all = all.add(u)
	}
	for key, m := range s.quota.claims { // queues with claims and no directory yet
		if _, counted := counts[key]; counted || key.xx != xx || len(m) == 0 {
			continue
		}
		u := s.usedOfLocked(key, queueCount{})
		if key.node == node {
			own = u
		}
		all = all.add(u)
	}
	return own, all
}

// usedOfLocked is one queue's usage: its count plus its claims, each
// packet once. The caller holds s.quota.mu.
func (s *Spool) usedOfLocked(key queueKey, c queueCount) Usage {
	u := c.complete
	claims := s.quota.claims[key]
	for id, size := range c.parts {
		if claims[id] == nil {
			u = u.add(Usage{size, 1})
		}
	}
	for _, cl := range claims {
		u = u.add(Usage{cl.size, 1})
	}
	return u
}
