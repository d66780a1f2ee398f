package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// Removing a whole queue. A million packets are a million unlinks, which
// is most of what `ferry rm --tx` costs: the listing streams them to a
// few workers, so that while one unlink waits on the filesystem's
// journal or the directory's lock another goes on, and the removals come
// back to the calling goroutine, which alone counts them and tells Found
// (so CleanOptions.Found is called from one goroutine, as before).
//
//	EachJob ──ids──▶ cleanWorkers × unlinkat(dir, PKT) [+ hdr/PKT] ──▶ Clean's goroutine: count, Found
//
// The directory is flushed once, after the last unlink: a killed rm has
// removed some packets and not others, and the index, a cache, is told
// at the next listing (or dropped here after a large removal).

// cleanWorkers is how many unlinks run at once.
const cleanWorkers = 16

// untrackBatch is how many tx packets are marked removed in their
// tracking records in one transaction.
const untrackBatch = 4096

// removal is one worker's answer for one packet.
type removal struct {
	id   packet.ID
	done bool // removed (or, on a dry run, would be)
	err  error
}

// queue removes the complete packets of node's xx queue, with their
// header copies, as packet would one by one.
func (c *cleaner) queue(node packet.ID, xx XX) {
	dir := c.s.queueDir(node, xx)
	d, err := os.Open(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			c.errs = append(c.errs, err)
		}
		return
	}
	defer func() { _ = d.Close() }() // a directory, read only
	dirfd := int(d.Fd())
	// Header copies: looked for only where the queue has a hdr/ (ferry
	// writes none unless configured to), which spares an unlink per packet.
	hdrfd := -1
	if h, err := os.Open(filepath.Join(dir, "hdr")); err == nil {
		defer func() { _ = h.Close() }() // a directory, read only
		hdrfd = int(h.Fd())
	}
	ids := make(chan packet.ID, 1024)
	results := make(chan removal, 1024)
	var bad []BadFile
	var listErr, untrackErr error
	var workers, all sync.WaitGroup
	all.Add(1)
	go func() { // the feeder: owned by this call, which waits for it (all)
		defer all.Done()
		defer close(ids)
		// Tracked tx packets are marked removed a batch at a time before
		// their batch goes to the workers, so a killed rm never leaves a
		// packet gone while its message still shows as queued.
		var batch []packet.ID
		flush := func() {
			if xx == TX && !c.opt.DryRun {
				untrackErr = errors.Join(untrackErr, c.untrack(node, batch))
			}
			for _, id := range batch {
				ids <- id
			}
			batch = batch[:0]
		}
		bad, listErr = c.s.EachJob(node, xx, func(j Job) bool {
			if c.opt.Older > 0 && !c.due(c.s.packetPath(node, xx, j.ID)) {
				return true
			}
			if batch = append(batch, j.ID); len(batch) == untrackBatch {
				flush()
			}
			return true
		})
		flush()
	}()
	// A dry run only looks, and tells its paths in the listing's order.
	n := cleanWorkers
	if c.opt.DryRun {
		n = 1
	}
	for range n {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for id := range ids {
				results <- c.removeAt(dirfd, hdrfd, node, xx, id)
			}
		}()
	}
	all.Add(1)
	go func() { // closes results once the workers are done
		defer all.Done()
		workers.Wait()
		close(results)
	}()
	removed := 0
	for r := range results {
		switch {
		case r.err != nil:
			c.errs = append(c.errs, r.err)
		case r.done:
			removed++
			c.found(c.s.packetPath(node, xx, r.id))
		}
	}
	all.Wait()
	if listErr != nil {
		c.errs = append(c.errs, listErr)
	}
	if untrackErr != nil {
		c.errs = append(c.errs, untrackErr)
	}
	for _, b := range bad {
		// Named as a packet, unreadable as one: left for the operator
		// to look at, and said so.
		c.errs = append(c.errs, fmt.Errorf("%s: not a packet, not removed: %w", b.Path, b.Err))
	}
	if removed == 0 || c.opt.DryRun {
		return
	}
	if err := c.s.syncDir(dir); err != nil {
		c.errs = append(c.errs, fmt.Errorf("flush %s after removing: %w", dir, err))
	}
	if removed >= maxStale {
		// Failing, the next listing prunes the entries instead.
		_ = c.s.ix.drop(node, xx)
	}
}

// removeAt removes one packet of the queue open as dirfd (and its header
// copy from hdr/, open as hdrfd, -1 for none), if it is there and old
// enough; on a dry run it only says it would.
func (c *cleaner) removeAt(dirfd, hdrfd int, node packet.ID, xx XX, id packet.ID) removal {
	name := id.String()
	if c.opt.Older > 0 || c.opt.DryRun {
		var st unix.Stat_t
		if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return removal{id: id} // gone meanwhile
		}
		if c.opt.Older > 0 && time.Since(time.Unix(st.Mtim.Unix())) < c.opt.Older {
			return removal{id: id}
		}
		if c.opt.DryRun {
			return removal{id: id, done: true}
		}
	}
	if err := unlinkAt(dirfd, name); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return removal{id: id} // gone meanwhile: not ours to count
		}
		return removal{id: id, err: WrapPath("remove", fmt.Sprintf("%s/%s/%s", node, xx, id), err)}
	}
	if hdrfd >= 0 {
		_ = unlinkAt(hdrfd, name) // a missing copy is fine, as in Remove
	}
	return removal{id: id, done: true}
}

func unlinkAt(dirfd int, name string) error {
	for {
		if err := unix.Unlinkat(dirfd, name, 0); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
