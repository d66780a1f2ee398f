package spool

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// Removing a whole queue. A million packets are a million unlinks, which
// is most of what `ferry rm --tx` costs. Each unlink frees an inode and
// the file's blocks, and on ext4 (mounted with discard here) it is the
// freeing that waits, not the CPU: unlinks in inode order, which is about
// the order the files were created and their blocks allocated in, touch
// the inode table and bitmaps block after block and let the filesystem
// merge adjacent freed extents, where the listing's order (by niceness,
// then name: at random on disk) touches a different block each time.
// Measured on 50,000 packets of this machine's spool (ext4, 2 cores,
// load 8-19, unlinkat alone, interleaved runs): 1 worker 46 s in name
// order against 24-39 s in inode order; 16 workers 10-34 s against
// 10-14 s; 64 workers 9.7 s against 7.0 s, with 25-30% less system
// CPU in inode order each time.
//
// At a million packets (2026-12-02, perf record -g on ferry rm, and the
// kernel stacks of its threads sampled once a second through a bench
// run) it is still the freeing that waits: ext4 without a journal and
// mounted with discard issues each freed extent's discard synchronously
// in the unlinking thread (ext4_free_blocks -> blkdev_issue_discard ->
// submit_bio_wait), a quarter of the profile and most of the threads'
// waits; lookups under the directory's lock (reading an inode or a
// directory block back from the disk) did not show. The cost per packet
// is not superlinear by itself: 30.7 s for 1,000,000 alone (load 1-6)
// against 13.3-15.4 s for 200,000; the bench's 45-166 s are the same
// work waiting on a disk shared with other jobs (a cp -a of the same
// 1,000,000 files took 75 s in one hour and 7 minutes in the next).
//
// So the listing is read to its end first, marking the packets to go
// among the directory's names (read with their inode numbers), and only
// then do the workers unlink them, in inode order, while the calling
// goroutine alone counts them and tells Found (so CleanOptions.Found is
// called from one goroutine, as before):
//
//	EachJob ──mark──▶ names by inode ──▶ cleanWorkers × unlinkat(dir, PKT) [+ hdr/PKT] ──▶ count, Found
//
// A dry run removes nothing and tells its paths in the listing's order.
// The directory is flushed once, after the last unlink: a killed rm has
// removed some packets and not others, and the index, a cache, is told
// at the next listing (or dropped here after a large removal).

// cleanWorkers is how many unlinks run at once: most of them wait on
// the filesystem, so more are in flight than there are cores.
const cleanWorkers = 64

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
	// Header copies: looked for only where the queue has a hdr/ (there is
	// none where nohdr is set), which spares an unlink per packet there.
	hdrfd := -1
	if h, err := os.Open(filepath.Join(dir, "hdr")); err == nil {
		defer func() { _ = h.Close() }() // a directory, read only
		hdrfd = int(h.Fd())
	}
	// The directory's packet names with their inode numbers, in name
	// order, to find each listed packet's inode (not on a dry run, which
	// keeps the listing's order).
	var names []inodeName
	if !c.opt.DryRun {
		if names, err = readInodeNames(dirfd, dir); err != nil {
			c.errs = append(c.errs, err)
			return
		}
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
		// any of them goes to the workers, so a killed rm never leaves a
		// packet gone while its message still shows as queued.
		var batch []packet.ID
		chosen := make([]bool, len(names))
		var late []packet.ID // listed but not among the names read: come meanwhile
		flush := func() {
			if xx == TX && !c.opt.DryRun {
				untrackErr = errors.Join(untrackErr, c.untrack(node, batch))
			}
			if c.opt.DryRun {
				for _, id := range batch {
					ids <- id
				}
			}
			batch = batch[:0]
		}
		bad, listErr = c.s.EachJob(node, xx, func(j Job) bool {
			if c.opt.Older > 0 && !c.due(c.s.packetPath(node, xx, j.ID)) {
				return true
			}
			if !c.opt.DryRun {
				k := keyOf(j.ID)
				i, found := slices.BinarySearchFunc(names, k, func(n inodeName, k nameKey) int { return compareKeys(n.key, k) })
				switch {
				case !found:
					late = append(late, j.ID)
				case chosen[i]:
					return true // listed twice (the index changed meanwhile)
				default:
					chosen[i] = true
				}
			}
			if batch = append(batch, j.ID); len(batch) == untrackBatch {
				flush()
			}
			return true
		})
		flush()
		if c.opt.DryRun {
			return
		}
		order := make([]int32, 0, len(names))
		for i, ok := range chosen {
			if ok {
				order = append(order, int32(i))
			}
		}
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(names[a].ino, names[b].ino) })
		for _, i := range order {
			ids <- names[i].key.id()
		}
		for _, id := range late {
			ids <- id
		}
	}()
	// A dry run only looks, and tells its paths in the listing's order.
	n := cleanWorkers
	if c.s.cleanWorkers > 0 {
		n = c.s.cleanWorkers
	}
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

// inodeName is a packet name in a queue's directory and its inode number.
type inodeName struct {
	key nameKey
	ino uint64
}

// readInodeNames reads the packet names of the directory open as dirfd
// (dir is its path, for errors), with their inode numbers, in name order.
// A million of them are 40 MB.
func readInodeNames(dirfd int, dir string) ([]inodeName, error) {
	// Gathered in chunks and copied once into a slice of the right size,
	// as Listing.readDir does: append would regrow and copy it.
	var chunks [][]inodeName
	cur := make([]inodeName, 0, 4096)
	total := 0
	err := eachPacketName(dirfd, dir, func(k nameKey, ino uint64) {
		if len(cur) == cap(cur) {
			chunks, total = append(chunks, cur), total+len(cur)
			cur = make([]inodeName, 0, 4096)
		}
		cur = append(cur, inodeName{k, ino})
	})
	if err != nil {
		return nil, err
	}
	names := make([]inodeName, 0, total+len(cur))
	for _, c := range chunks {
		names = append(names, c...)
	}
	names = append(names, cur...)
	slices.SortFunc(names, func(a, b inodeName) int { return compareKeys(a.key, b.key) })
	return names, nil
}

func unlinkAt(dirfd int, name string) error {
	for {
		if err := unix.Unlinkat(dirfd, name, 0); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
