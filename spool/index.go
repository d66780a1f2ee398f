package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ferry-dtn/ferry/packet"
)

// index caches packet headers by name in bbolt so that listing a queue
// reads one directory and one B-tree instead of opening every packet.
// A packet's name is the hash of its bytes, so a cached entry can never go
// stale; entries whose file vanished are dropped on the next listing.
//
// bbolt locks its file exclusively per handle, even within a process, so
// the index is opened for one short transaction at a time and never held
// across payload I/O. If it is busy or broken, listings read the files.
type index struct {
	path  string
	batch int // entries added per transaction (addBatch; tests use fewer)
	mu    sync.Mutex
}

const indexTimeout = 500 * time.Millisecond

// entry layout: nice(1) size(8) sender(32)
const entryLen = 1 + 8 + packet.IDLen

func bucketName(node packet.ID, xx XX) []byte {
	return []byte(node.String() + "/" + string(xx))
}

func (ix *index) update(fn func(tx *bolt.Tx) error) (err error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	db, err := bolt.Open(ix.path, 0o600, &bolt.Options{Timeout: indexTimeout})
	if err != nil {
		if !errors.Is(err, bolterrors.ErrTimeout) {
			// Unreadable: it is only a cache, start afresh.
			err = errors.Join(err, removeIndex(ix.path))
		}
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	return db.Update(fn)
}

// removeIndex removes an index file bbolt cannot read; nil when it is
// gone already.
func removeIndex(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove unreadable index: %w", err)
	}
	return nil
}

// view runs a read-only transaction. The file is opened read-only, under
// a shared lock: listings do not wait for each other, and a lookup
// commits nothing (a read-write transaction writes its meta page and
// syncs even when it changed nothing).
func (ix *index) view(fn func(tx *bolt.Tx) error) error {
	db, err := bolt.Open(ix.path, 0o600, &bolt.Options{Timeout: indexTimeout, ReadOnly: true})
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil // nothing cached yet: the caller fills the index
	case err != nil && !errors.Is(err, bolterrors.ErrTimeout):
		// Unreadable: it is only a cache, start afresh (if it cannot be
		// removed, every listing reads the files and says why).
		return removeIndex(ix.path)
	case err != nil:
		return err
	}
	defer func() { _ = db.Close() }() // read only
	return db.View(fn)
}

// lookup returns the cached job for each name, names sorted (zero Size
// where not cached), and whether the index holds entries for files that
// are gone.
// It walks the bucket in key order beside the sorted names: sequential
// reads, far cheaper than one B-tree search per packet.
func (ix *index) lookup(node packet.ID, xx XX, names []string, ids []packet.ID) ([]Job, bool, error) {
	found := make([]Job, len(names))
	stale := false
	err := ix.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName(node, xx))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		for i, name := range names {
			for k != nil && string(k) < name {
				stale = true // an entry whose file is gone
				k, v = c.Next()
			}
			if k == nil {
				break
			}
			if string(k) == name && len(v) == entryLen {
				found[i] = Job{
					Node: node, XX: xx, ID: ids[i], Nice: v[0],
					Size:   int64(binary.BigEndian.Uint64(v[1:9])),
					Sender: packet.ID(v[9:]),
				}
				k, v = c.Next()
			}
		}
		if k != nil {
			stale = true
		}
		return nil
	})
	return found, stale, err
}

// add caches jobs. The keys are the Base32 names, put in key order,
// which bbolt inserts far faster. (Base32 order is not the order of the
// raw ids: its digits sort before its letters in ASCII.) A large add is
// cut into runs of consecutive keys, one transaction (and one open of the
// file) each: a single transaction over a million keys holds the lock
// for the whole build, and bbolt copies every node it has touched onto
// the heap each time the file grows under it (node.dereference), which
// made a first listing of 200,000 packets take seconds and hundreds of
// MiB for that alone.
func (ix *index) add(node packet.ID, xx XX, jobs []Job) {
	if len(jobs) == 0 {
		return
	}
	keys := make([]string, len(jobs))
	order := make([]int, len(jobs))
	for i, j := range jobs {
		keys[i], order[i] = j.ID.String(), i
	}
	sort.Slice(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	for len(order) > 0 {
		run := order[:min(len(order), ix.batch)]
		order = order[len(run):]
		err := ix.update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketName(node, xx))
			if err != nil {
				return err
			}
			// Runs arrive in key order, so pages split by bbolt need not
			// keep half their room for later keys: a fuller tree is a
			// smaller file and fewer pages for every later listing to map.
			b.FillPercent = 0.9
			vals := make([]byte, entryLen*len(run)) // one allocation per run, not per key
			for k, i := range run {
				j := jobs[i]
				v := vals[k*entryLen : (k+1)*entryLen : (k+1)*entryLen]
				v[0] = j.Nice
				binary.BigEndian.PutUint64(v[1:9], uint64(j.Size))
				copy(v[9:], j.Sender[:])
				if err := b.Put([]byte(keys[i]), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return // busy or broken: the rest is read from the files next time
		}
	}
}

// addBatch is how many entries one index transaction adds: large enough
// that opening and syncing the file is a small part of it, small enough
// that no transaction holds the lock or the heap for long.
const addBatch = 20000

// prune drops cached entries whose files are gone.
// Busy or broken, it is left for a later listing, as add leaves what it
// could not add: a stale entry costs a lookup, never a wrong listing.
func (ix *index) prune(node packet.ID, xx XX, present map[string]bool) {
	_ = ix.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName(node, xx))
		if b == nil {
			return nil
		}
		var gone [][]byte
		err := b.ForEach(func(k, _ []byte) error {
			if !present[string(k)] {
				gone = append(gone, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
