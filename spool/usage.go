package spool

import (
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// Counting a queue for its quota reads its directory once: names, the
// index for complete packets' sizes (a stat for those it lacks) and a
// stat per .part and .nock. The count is cached with the directory's
// inode and change times and reused while they stay, so a burst of
// offers costs one listing, not one each. Another process's change
// (toss removing what it processed, a sending command) changes the
// directory and so the times, and the queue is counted again. This
// process's own changes keep the count in step (beginChange, endChange
// below) or, when their effect is not known (a removal), drop it; each
// bumps a generation, so a count taken while one was under way is not
// kept. Another process's change within the same clock tick as a count
// would leave the times as they were, so a count of a directory changed
// within racyWindow of it is not kept (as git treats a file modified in
// the same second as its index entry): the next check counts again, and
// a quiet directory's count is kept from then on. Except for a large
// queue, where counting again at every check while the directory keeps
// changing (a toss draining it beside a call filling it) would cost more
// than the call: its count is kept all the same and taken again once ten
// counts' time has passed, so that such a change goes unseen that long at
// most (largeQueue).

// queueCount is what a queue's directory held when counted.
type queueCount struct {
	complete Usage
	parts    map[packet.ID]int64 // .part and .nock sizes; never changed once stored
	gen      uint64              // the queue's generation when counted
}

// queueCache is one queue's cached count.
type queueCache struct {
	gen   uint64 // bumped by every change this process makes to the queue
	valid bool
	stamp dirStamp
	count queueCount
	// recount is when a count kept although its directory had just
	// changed is to be taken again (zero: it is good while the stamp is).
	recount time.Time
}

// dirStamp identifies a directory's state: any entry added, removed or
// renamed changes its times.
type dirStamp struct {
	exists       bool
	ino          uint64
	mtime, ctime unix.Timespec
}

func stampOf(st *unix.Stat_t) dirStamp {
	return dirStamp{exists: true, ino: st.Ino, mtime: st.Mtim, ctime: st.Ctim}
}

// A change this process makes to a queue whose count is cached keeps
// the count in step instead of dropping it, so a session's downloads do
// not cost a count of the queue each: the directory's stamp is taken
// before and after the change, and when the one before is still the
// cached one (nothing else changed the queue since it was counted), the
// change's delta is applied and the one after becomes the cached stamp.
// Only another process's change within the same clock tick as ours,
// between the two stamps, would go unseen until the next change.

// change is one change of ours under way to a queue.
type change struct {
	key   queueKey
	track bool // the count was cached and current: keep it in step
	pre   dirStamp
	gen   uint64
}

func (s *Spool) stampNow(key queueKey) (dirStamp, error) {
	var st unix.Stat_t
	if err := unix.Stat(s.queueDir(key.node, key.xx), &st); err != nil {
		return dirStamp{}, err
	}
	return stampOf(&st), nil
}

// beginChange is called before this process changes node's xx queue.
func (s *Spool) beginChange(node packet.ID, xx XX) change {
	c := change{key: queueKey{node, xx}}
	s.quota.mu.Lock()
	e := s.quota.queues[c.key]
	valid := e != nil && e.valid
	if valid {
		c.gen = e.gen
	}
	s.quota.mu.Unlock()
	if !valid {
		return c // nothing cached: nothing to keep in step
	}
	pre, err := s.stampNow(c.key)
	if err != nil {
		return c
	}
	c.pre, c.track = pre, true
	return c
}

// endChange is called once the change is made: delta applies it to the
// cached count (nil: its effect is unknown, count the queue again). The
// claims of the packets handed in end in the same step, so that no
// check sees a packet neither as claimed nor as counted.
func (s *Spool) endChange(c change, delta func(*queueCount), handed ...packet.ID) {
	var post dirStamp
	var err error
	if c.track && delta != nil {
		post, err = s.stampNow(c.key)
	}
	s.quota.mu.Lock()
	defer s.quota.mu.Unlock()
	if m := s.quota.claims[c.key]; len(m) > 0 {
		for _, id := range handed {
			delete(m, id)
		}
	}
	e := s.cacheLocked(c.key)
	e.gen++ // a count under way, or taken before, missed the change
	if !c.track || delta == nil || err != nil || !e.valid || e.gen != c.gen+1 || e.stamp != c.pre {
		e.valid = false
		return
	}
	n := e.count
	n.parts = maps.Clone(n.parts) // counts handed out share the old map
	if n.parts == nil {
		n.parts = map[packet.ID]int64{}
	}
	delta(&n)
	n.gen = e.gen
	e.count, e.stamp = n, post
}

// touched records a change this process made to node's xx queue whose
// effect on the count is not known: the queue is counted again.
func (s *Spool) touched(node packet.ID, xx XX) {
	key := queueKey{node, xx}
	s.quota.mu.Lock()
	e := s.cacheLocked(key)
	e.gen++
	e.valid = false
	s.quota.mu.Unlock()
}

func (s *Spool) cacheLocked(key queueKey) *queueCache {
	if s.quota.queues == nil {
		s.quota.queues = map[queueKey]*queueCache{}
	}
	e := s.quota.queues[key]
	if e == nil {
		e = &queueCache{}
		s.quota.queues[key] = e
	}
	return e
}

// freshLocked reports whether no queue in counts changed in this
// process since it was counted. The caller holds s.quota.mu.
func (s *Spool) freshLocked(counts map[queueKey]queueCount) bool {
	for key, c := range counts {
		if s.cacheLocked(key).gen != c.gen {
			return false
		}
	}
	return true
}

// countsFor counts node's xx queue and, with all, every node's.
func (s *Spool) countsFor(node packet.ID, xx XX, all bool) (map[queueKey]queueCount, error) {
	nodes := []packet.ID{node}
	if all {
		ids, err := s.Nodes()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, id := range ids {
			if id != node {
				nodes = append(nodes, id)
			}
		}
	}
	counts := make(map[queueKey]queueCount, len(nodes))
	for _, n := range nodes {
		c, err := s.countQueue(queueKey{n, xx})
		if err != nil {
			return nil, err
		}
		counts[queueKey{n, xx}] = c
	}
	return counts, nil
}

// countQueue is a queue's count, from the cache while its directory is
// unchanged.
func (s *Spool) countQueue(key queueKey) (queueCount, error) {
	dir := s.queueDir(key.node, key.xx)
	var now dirStamp
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err == nil {
		now = stampOf(&st)
	} else if !errors.Is(err, unix.ENOENT) {
		return queueCount{}, WrapPath("stat", dir, err)
	}
	s.quota.mu.Lock()
	e := s.cacheLocked(key)
	if e.valid && e.stamp == now && (e.recount.IsZero() || s.now().Before(e.recount)) {
		c := e.count
		s.quota.mu.Unlock()
		return c, nil
	}
	gen := e.gen
	s.quota.mu.Unlock()
	start := s.now()
	c, stamp, racy, entries, err := s.readCount(key)
	if err != nil {
		return queueCount{}, err
	}
	c.gen = gen
	var recount time.Time
	if racy && entries >= largeQueue {
		recount = s.now().Add(max(10*s.now().Sub(start), racyWindow))
	}
	s.quota.mu.Lock()
	if (!racy || !recount.IsZero()) && e.gen == gen { // no change of ours meanwhile: good until the directory changes
		e.valid, e.stamp, e.count, e.recount = true, stamp, c, recount
	}
	s.quota.mu.Unlock()
	return c, nil
}

// readCount counts a queue's directory: complete packets by the
// index's sizes (a stat for those it lacks), and in rx the .part and
// .nock files by theirs. The stamp is taken before the names are read,
// so a change during the count shows as a changed directory next time;
// racy is true when the directory changed too recently for its times to
// tell a later change apart (racyWindow); entries is how many names it
// holds.
func (s *Spool) readCount(key queueKey) (c queueCount, stamp dirStamp, racy bool, entries int, err error) {
	dir := s.queueDir(key.node, key.xx)
	s.quota.reads.Add(1)
	start := s.now()
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return queueCount{}, dirStamp{}, false, 0, nil
	}
	if err != nil {
		return queueCount{}, dirStamp{}, false, 0, err
	}
	defer func() { _ = d.Close() }() // read only
	fd := int(d.Fd())
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return queueCount{}, dirStamp{}, false, 0, WrapPath("stat", dir, err)
	}
	stamp = stampOf(&st)
	since := start.Add(-racyWindow).UnixNano()
	racy = st.Mtim.Nano() >= since || st.Ctim.Nano() >= since
	all, err := d.Readdirnames(-1)
	if err != nil {
		return queueCount{}, dirStamp{}, false, 0, WrapPath("list", dir, err)
	}
	var names []string
	var ids []packet.ID
	size := func(name string) (int64, bool) {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			return 0, false // gone meanwhile, or not a file: not queued
		}
		return st.Size, true
	}
	for _, n := range all {
		switch {
		case len(n) == 52:
			names = append(names, n)
		case key.xx == RX && len(n) == 57 && (strings.HasSuffix(n, ".part") || strings.HasSuffix(n, ".nock")):
			id, err := packet.ParseID(n[:52])
			if err != nil {
				continue
			}
			if sz, ok := size(n); ok {
				if c.parts == nil {
					c.parts = map[packet.ID]int64{}
				}
				c.parts[id] += sz
			}
		}
	}
	slices.Sort(names) // the order the index is walked in
	kept := names[:0]
	for _, n := range names {
		if id, err := packet.ParseID(n); err == nil {
			kept = append(kept, n)
			ids = append(ids, id)
		}
	}
	names = kept
	found, _, _ := s.ix.lookup(key.node, key.xx, names, ids) // busy or broken: stat them all
	for i, n := range names {
		sz := found[i].Size
		if sz <= 0 {
			var ok bool
			if sz, ok = size(n); !ok {
				continue
			}
		}
		c.complete = c.complete.add(Usage{sz, 1})
	}
	return c, stamp, racy, len(all), nil
}

// racyWindow is how far a file time may lag the clock it is compared
// with: the kernel stamps files from a clock that advances once a tick
// (at most 10 ms, HZ=100), so 50 ms is well clear of it.
const racyWindow = 50 * time.Millisecond

// largeQueue is the size (in directory entries) from which a count is
// kept although its directory just changed: counting 10,000 entries
// takes some 20 ms, against microseconds for the hundreds a queue
// usually holds.
const largeQueue = 10000
