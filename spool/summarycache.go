package spool

import (
	"errors"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A scrape (ferry daemon --metrics, every 15 s or so) summarises every
// queue: a listing and an lstat per packet, some 300 ms for 100,000
// packets. Complete packets never change once renamed into their queue,
// so a queue's summary stays true while its directory's stamp (inode,
// mtime, ctime: any entry added, removed or renamed changes them) does;
// it is cached with the stamp, and a scrape of an unchanged spool costs
// one stat per directory. As for the quota counts (usage.go), a summary
// of a directory changed within racyWindow of the listing is not kept,
// since a later change within the same clock tick would leave the stamp
// as it was.

// summaryCache holds the summaries of queue directories by path (and
// kind of summary). mu is
// held only to read or store an entry, never across I/O.
type summaryCache struct {
	mu      sync.Mutex
	byDir   map[string]cachedSummary
	listing atomic.Int64 // directories listed for a summary, for tests
}

type cachedSummary struct {
	stamp dirStamp
	sum   any // QueueSummary, PartialCounts
}

// cachedOf is what count makes of dir (a summary of some kind, stored
// under key), from the cache while dir's stamp is unchanged, else from
// count, which lists it. A missing directory is the zero T.
func cachedOf[T any](s *Spool, key, dir string, count func() (T, error)) (T, error) {
	var zero T
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return zero, nil
		}
		return zero, WrapPath("stat", dir, err)
	}
	stamp := stampOf(&st)
	c := &s.summaries
	c.mu.Lock()
	e, ok := c.byDir[key]
	c.mu.Unlock()
	if v, isT := e.sum.(T); ok && isT && e.stamp == stamp {
		return v, nil
	}
	start := s.now()
	c.listing.Add(1)
	sum, err := count()
	if err != nil {
		return sum, err
	}
	since := start.Add(-racyWindow).UnixNano()
	if st.Mtim.Nano() >= since || st.Ctim.Nano() >= since {
		return sum, nil // changed too recently for its stamp to tell
	}
	c.mu.Lock()
	if c.byDir == nil {
		c.byDir = map[string]cachedSummary{}
	}
	c.byDir[key] = cachedSummary{stamp, sum}
	c.mu.Unlock()
	return sum, nil
}
