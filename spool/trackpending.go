package spool

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// A message's tracking record can be written with its packet, in the
// packet's own fsync round, instead of in a bbolt transaction after it
// (two more flushes of the disk, the costliest part of queueing one
// small packet: ferry exec runs once per message):
//
//	SPOOL/ferry-track.d/<PKT>   one JSON TrackRecord, not yet in ferry-track.db
//
// Tmp.commit writes the record to tmp/ and fsyncs it while the packet is
// fsynced, then, once the packet's rename is durable, renames the record
// into ferry-track.d/ and fsyncs that directory: a record is never there
// for a packet that is not, and is durable before the command exits 0.
// Every reader and writer of the records (tracker.update, tracker.view)
// first moves what ferry-track.d/ holds into the database, in one
// transaction per batch, and removes the files only once that committed.
// A file whose record the database already has (its removal was lost) is
// removed without being applied again: the database's may be newer.

// TrackHook builds the tracking record of the packet a Tmp commits, once
// its id is known; ok false: nothing to track.
type TrackHook func(id packet.ID) (r TrackRecord, ok bool)

// pendingBatch is how many records one merge transaction takes
// (tracker.batch; tests lower it).
const pendingBatch = 1000

func (s *Spool) pendingDir() string { return filepath.Join(s.dir, "ferry-track.d") }

// pendingWrite is a record being made durable beside its packet.
type pendingWrite struct {
	s    *Spool
	id   packet.ID
	tmp  string
	done chan error // the write and fsync of tmp
}

// startPending writes r to a temporary file and fsyncs it on a goroutine
// that finish waits for.
func (s *Spool) startPending(r TrackRecord) *pendingWrite {
	normalize(&r)
	p := &pendingWrite{s: s, id: r.ID, done: make(chan error, 1)}
	p.tmp = filepath.Join(s.tmpDir(), "ferry-track."+strconv.FormatInt(time.Now().UnixNano(), 16)+"."+
		strconv.Itoa(os.Getpid())+"."+strconv.FormatUint(tmpSeq.Add(1), 10))
	v, err := marshalRecord(&r)
	if err != nil {
		p.done <- err
		return p
	}
	go func() { p.done <- s.writeSynced(p.tmp, v) }()
	return p
}

// writeSynced creates path with v, fsynced.
func (s *Spool) writeSynced(path string, v []byte) error {
	f, err := fsio.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, s.fileMode())
	if err != nil {
		return err
	}
	_, err = f.Write(v)
	if err == nil && !s.opt.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = fsio.Unlink(path) // what matters is err: the record is not written
	}
	return err
}

// finish waits for the record's write. With keep (its packet is durable
// in its queue), it moves the record into ferry-track.d/ durably; else it
// removes it.
func (p *pendingWrite) finish(keep bool) error {
	err := <-p.done
	if err != nil {
		return fmt.Errorf("tracking record: %w", err)
	}
	if !keep {
		return fsio.Unlink(p.tmp)
	}
	dir := p.s.pendingDir()
	created, err := mkdirOnce(dir, p.s.dirMode())
	if err == nil && created {
		err = p.s.syncDir(p.s.dir)
	}
	if err == nil {
		err = fsio.Rename(p.tmp, filepath.Join(dir, p.id.String()))
	}
	if err != nil {
		return errors.Join(fmt.Errorf("tracking record: %w", err), fsio.Unlink(p.tmp))
	}
	if err := p.s.syncDir(dir); err != nil {
		return fmt.Errorf("tracking record: %w", err)
	}
	return nil
}

// mkdirOnce makes dir, reporting whether this call created it.
func mkdirOnce(dir string, mode os.FileMode) (bool, error) {
	err := os.Mkdir(dir, mode)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrExist):
		return false, nil
	}
	return false, err
}

// normalize fills in what Track defaults.
func normalize(r *TrackRecord) {
	if r.State == "" {
		r.State = TrackQueued
	}
	if r.Final.IsZero() {
		r.Final = r.ID
	}
}

// pendingList reads ferry-track.d/ a batch at a time; a missing
// directory lists nothing.
type pendingList struct {
	d     *os.File
	batch int
}

func (tr *tracker) listPending() (*pendingList, error) {
	d, err := os.Open(tr.pending)
	if errors.Is(err, os.ErrNotExist) {
		return &pendingList{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tracking records: %w", err)
	}
	return &pendingList{d: d, batch: cmp.Or(tr.batch, pendingBatch)}, nil
}

// next returns up to a batch of more names, none at the end.
func (l *pendingList) next() ([]string, error) {
	if l.d == nil {
		return nil, nil
	}
	names, err := l.d.Readdirnames(l.batch)
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("tracking records: %w", err)
	}
	return names, nil
}

func (l *pendingList) close() {
	if l.d != nil {
		_ = l.d.Close() // read only
	}
}

// mergePending moves the records in ferry-track.d/ into db, starting
// with names (the list's first batch), a batch per transaction, and
// removes each file once its transaction committed.
func (tr *tracker) mergePending(db *bolt.DB, l *pendingList, names []string) error {
	var berr error
	for len(names) > 0 {
		var done, damaged []string
		err := db.Update(func(tx *bolt.Tx) error {
			done, damaged = done[:0], damaged[:0]
			msg, err := tx.CreateBucketIfNotExists(trackMsg)
			if err != nil {
				return err
			}
			inner, err := tx.CreateBucketIfNotExists(trackInner)
			if err != nil {
				return err
			}
			for _, name := range names {
				id, err := packet.ParseID(name)
				if err != nil {
					continue // not a record (set aside as damaged, an editor's backup...): left alone
				}
				path := filepath.Join(tr.pending, name)
				if msg.Get([]byte(id.String())) != nil {
					done = append(done, path) // applied before, its removal lost: the database's stands
					continue
				}
				v, err := os.ReadFile(path)
				if errors.Is(err, os.ErrNotExist) {
					continue // another process merged it meanwhile
				}
				if err != nil {
					return fmt.Errorf("tracking record %s: %w", name, err)
				}
				var r TrackRecord
				if err := json.Unmarshal(v, &r); err != nil || r.ID != id {
					damaged = append(damaged, path)
					continue
				}
				if err := putTracked(msg, inner, &r); err != nil {
					return err
				}
				done = append(done, path)
			}
			return nil
		})
		if err != nil {
			return errors.Join(berr, fmt.Errorf("tracking records: %w", err))
		}
		for _, p := range done {
			if err := fsio.Unlink(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return errors.Join(berr, fmt.Errorf("tracking records: %w", err))
			}
		}
		for _, p := range damaged {
			// Not applied, and not in the way of the others: set aside
			// under a name no merge takes, once, with this error.
			bad := p + ".damaged"
			if rerr := fsio.Rename(p, bad); rerr != nil {
				return errors.Join(berr, fmt.Errorf("tracking record %s: damaged, and cannot be set aside: %w", p, rerr))
			}
			berr = errors.Join(berr, fmt.Errorf("tracking record %s: damaged (not the JSON record of its packet): set aside as %s", p, filepath.Base(bad)))
		}
		if names, err = l.next(); err != nil {
			return errors.Join(berr, err)
		}
	}
	return berr
}

// putTracked stores a new record under both of its ids.
func putTracked(msg, inner *bolt.Bucket, r *TrackRecord) error {
	if err := putRecord(msg, r); err != nil {
		return err
	}
	return inner.Put([]byte(r.Final.String()), []byte(r.ID.String()))
}
