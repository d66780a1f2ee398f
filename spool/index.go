package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ferry-dtn/ferry/packet"
)

// index caches packet headers in bbolt so that listing a queue reads one
// directory and one B-tree instead of opening every packet. A packet's
// name is the hash of its bytes, so a cached entry can never go stale;
// entries whose file vanished are dropped on the next listing.
//
// Each queue has a bucket whose keys are nice(1) + name(52): a walk of
// the bucket is the listing's own order (most urgent first, then by
// name), so a listing streams from it and never holds a queue's jobs.
// Beside it, a meta record (queueMeta) says whether the bucket is known
// to match the directory as it still is, so that a later listing of an
// unchanged queue need not read the directory at all.
//
// bbolt locks its file exclusively per handle, even within a process, so
// the index is opened for one short transaction at a time and never held
// across payload I/O or a caller's callback. If it is busy or broken,
// listings read the files.
type index struct {
	path  string
	batch int // entries added per transaction (addBatch; tests use fewer)
	// now is the clock a listing's stamp is judged by (time.Now; tests
	// move it on rather than wait out stampMargin).
	now func() time.Time
	mu  sync.Mutex
}

const indexTimeout = 500 * time.Millisecond

// keyLen and entryLen: key nice(1) name(52); value size(8) sender(32).
const (
	keyLen   = 1 + 52
	entryLen = 8 + packet.IDLen
)

// metaBucket holds one queueMeta per queue, under queueName.
var metaBucket = []byte("queue-meta")

func queueName(node packet.ID, xx XX) string { return node.String() + "/" + string(xx) }

// bucketName is the queue's bucket. The "2:" sets it apart from the
// buckets of the earlier layout (keyed by name alone), which are dropped
// when a listing first commits (see commit).
func bucketName(node packet.ID, xx XX) []byte { return []byte("2:" + queueName(node, xx)) }

func oldBucketName(node packet.ID, xx XX) []byte { return []byte(queueName(node, xx)) }

func entryKey(nice uint8, id packet.ID) []byte {
	k := make([]byte, 1, keyLen)
	k[0] = nice
	return append(k, id.String()...)
}

// decodeEntry makes a Job of a key and value; ok is false for a
// malformed entry (a damaged index), which is treated as stale.
func decodeEntry(node packet.ID, xx XX, k, v []byte) (Job, bool) {
	if len(k) != keyLen || len(v) != entryLen {
		return Job{}, false
	}
	id, err := packet.ParseIDBytes(k[1:])
	if err != nil {
		return Job{}, false
	}
	return Job{Node: node, XX: xx, ID: id, Nice: k[0], Size: int64(binary.BigEndian.Uint64(v)), Sender: packet.ID(v[8:])}, true
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

func (ix *index) clock() time.Time {
	if ix.now != nil {
		return ix.now()
	}
	return time.Now()
}

// errNoIndex is view's answer when there is no index file yet.
var errNoIndex = errors.New("no index yet")

// view runs a read-only transaction. The file is opened read-only, under
// a shared lock: listings do not wait for each other, and a lookup
// commits nothing (a read-write transaction writes its meta page and
// syncs even when it changed nothing). Each view maps the file afresh
// and unmaps it after, so a walk of a large bucket in several views
// keeps only one view's pages resident.
func (ix *index) view(fn func(tx *bolt.Tx) error) error {
	db, err := bolt.Open(ix.path, 0o600, &bolt.Options{Timeout: indexTimeout, ReadOnly: true})
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errNoIndex // nothing cached yet: the caller fills the index
	case err != nil && !errors.Is(err, bolterrors.ErrTimeout):
		// Unreadable: it is only a cache, start afresh (if it cannot be
		// removed, every listing reads the files and says why).
		if rerr := removeIndex(ix.path); rerr != nil {
			return rerr
		}
		return errNoIndex
	case err != nil:
		return err
	}
	defer func() { _ = db.Close() }() // read only
	return db.View(fn)
}

// walk calls fn for the entries of a queue's bucket after the key from
// (from the first when from is nil), in key order, within one read-only
// transaction, until fn returns false or limit entries were seen. It
// returns the last key seen (fn's arguments are only valid during the
// call), whether the bucket has more past it, and the queue's meta.
func (ix *index) walk(node packet.ID, xx XX, from []byte, limit int, fn func(k, v []byte) bool) (last []byte, more bool, m queueMeta, err error) {
	last = from
	err = ix.view(func(tx *bolt.Tx) error {
		m = readMeta(tx, node, xx)
		b := tx.Bucket(bucketName(node, xx))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if from == nil {
			k, v = c.First()
		} else if k, v = c.Seek(from); k != nil && bytes.Equal(k, from) {
			k, v = c.Next()
		}
		var lastK []byte // the page's, valid until the transaction ends
		for seen := 0; k != nil; seen++ {
			if seen == limit {
				more = true
				break
			}
			lastK = k
			if !fn(k, v) {
				k, _ = c.Next()
				more = k != nil
				break
			}
			k, v = c.Next()
		}
		if lastK != nil {
			last = bytes.Clone(lastK) // once per walk, not once per entry
		}
		return nil
	})
	if errors.Is(err, errNoIndex) {
		return from, false, queueMeta{}, nil // an index that is not there is an empty one
	}
	return last, more, m, err
}

// count is how many entries a queue's bucket holds (0 when it cannot
// be read): bbolt counts them from its pages' headers.
func (ix *index) count(node packet.ID, xx XX) int {
	n := 0
	_ = ix.view(func(tx *bolt.Tx) error { // only a size hint
		if b := tx.Bucket(bucketName(node, xx)); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n
}

// meta reads a queue's meta record alone.
func (ix *index) meta(node packet.ID, xx XX) (queueMeta, error) {
	var m queueMeta
	err := ix.view(func(tx *bolt.Tx) error {
		m = readMeta(tx, node, xx)
		return nil
	})
	if errors.Is(err, errNoIndex) {
		return queueMeta{}, nil
	}
	return m, err
}

// add caches jobs in one transaction and returns the queue's generation
// after it, and whether it was gen before (nobody else wrote the queue's
// entries since the caller last did). Keys are put in key order, which
// bbolt inserts far faster; a listing adds a large queue in runs of
// ix.batch (one transaction and one open of the file each): a single
// transaction over a million keys holds the lock for the whole build,
// and bbolt copies every node it has touched onto the heap each time the
// file grows under it (node.dereference).
//
// A listing passes each run in name order, so a stable counting sort by
// niceness is key order (jobs in another order are still all put, only
// slower); keys and values are made in one buffer each, not two small
// allocations and a Base32 string per job (bbolt copies a key; a value
// it keeps until the commit, while the buffer lives).
func (ix *index) add(node packet.ID, xx XX, jobs []Job, gen uint64) (uint64, bool, error) {
	var start [257]int
	for i := range jobs {
		start[int(jobs[i].Nice)+1]++
	}
	for n := 1; n < len(start); n++ {
		start[n] += start[n-1]
	}
	keys := make([]byte, len(jobs)*keyLen)
	vals := make([]byte, len(jobs)*entryLen)
	for i := range jobs {
		j := &jobs[i]
		at := start[j.Nice]
		start[j.Nice]++
		k := keys[at*keyLen : (at+1)*keyLen]
		k[0] = j.Nice
		packet.B32.Encode(k[1:], j.ID[:])
		v := vals[at*entryLen : (at+1)*entryLen]
		binary.BigEndian.PutUint64(v, uint64(j.Size))
		copy(v[8:], j.Sender[:])
	}
	var after uint64
	same := false
	err := ix.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketName(node, xx))
		if err != nil {
			return err
		}
		// Runs arrive in key order, so pages split by bbolt need not keep
		// half their room for later keys: a fuller tree is a smaller file
		// and fewer pages for every later listing to map.
		b.FillPercent = 0.9
		for at := range jobs {
			if err := b.Put(keys[at*keyLen:(at+1)*keyLen], vals[at*entryLen:(at+1)*entryLen:(at+1)*entryLen]); err != nil {
				return err
			}
		}
		m := readMeta(tx, node, xx)
		same = m.gen == gen
		after = m.gen + 1
		return writeMeta(tx, node, xx, queueMeta{gen: after})
	})
	return after, same, err
}

// addBatch is how many entries one index transaction adds: large enough
// that opening and syncing the file is a small part of it, small enough
// that no transaction holds the lock or the heap for long.
const addBatch = 20000

// commitListing ends a listing that read the directory: it drops the
// entries the listing found stale (or, when there were too many to keep,
// every entry present() refuses), and, when nobody else wrote the queue
// since the listing's own last write (gen), records that the bucket now
// matches the directory in stamp (when stamp is trustworthy) with the
// files that are not packets, bad. Every other write clears the record.
// It returns the queue's generation after it, and whether it was gen
// before.
func (ix *index) commitListing(node packet.ID, xx XX, gen uint64, stale [][]byte, present func(k []byte) bool, stamp *listStamp, bad []packet.ID) (uint64, bool, error) {
	var after uint64
	same := false
	err := ix.update(func(tx *bolt.Tx) error {
		if old := oldBucketName(node, xx); tx.Bucket(old) != nil {
			if err := tx.DeleteBucket(old); err != nil { // the earlier layout's: nothing reads it
				return err
			}
		}
		b := tx.Bucket(bucketName(node, xx))
		if b != nil {
			for _, k := range stale {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			if present != nil {
				c := b.Cursor()
				for k, _ := c.First(); k != nil; {
					if present(k) {
						k, _ = c.Next()
						continue
					}
					gone := bytes.Clone(k) // k is the page's, which Delete rewrites
					if err := c.Delete(); err != nil {
						return err
					}
					k, _ = c.Seek(gone) // the next key after the deleted one
				}
			}
		}
		m := readMeta(tx, node, xx)
		next := queueMeta{gen: m.gen + 1}
		same, after = m.gen == gen, next.gen
		if same && stamp != nil {
			next.stamp, next.stamped, next.bad = *stamp, true, bad
		}
		return writeMeta(tx, node, xx, next)
	})
	return after, same, err
}

// drop forgets a queue's bucket and meta record: after a removal of most
// of a queue, deleting its entries one by one at the next listing would
// cost a transaction touching every page, and whatever is left is read
// again from the files.
func (ix *index) drop(node packet.ID, xx XX) error {
	return ix.update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketName(node, xx)); b != nil {
			if err := tx.DeleteBucket(bucketName(node, xx)); err != nil {
				return err
			}
		}
		m := readMeta(tx, node, xx)
		return writeMeta(tx, node, xx, queueMeta{gen: m.gen + 1})
	})
}
