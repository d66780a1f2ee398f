package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ferry-dtn/ferry/packet"
)

// The tracking records of the messages this node originated live in
// SPOOL/ferry-track.db, beside the index but in a file of their own: the
// index is a cache that is thrown away when unreadable, these records are
// not rebuildable from the files. The files still say what is queued:
// a record only tells what became of a message after it left.
//
//	bucket "msg":   outer packet id -> JSON TrackRecord
//	bucket "inner": id the destination sees -> outer packet id

// TrackState is where a message stands, as its origin knows it.
type TrackState string

const (
	TrackQueued    TrackState = "queued"
	TrackSent      TrackState = "sent"
	TrackDelivered TrackState = "delivered"
	TrackFailed    TrackState = "failed"
	TrackExpired   TrackState = "expired"
)

// Final reports states no later event changes, except a receipt
// arriving after expiry.
func (s TrackState) Final() bool { return s == TrackDelivered || s == TrackFailed }

// TrackRecord is one message this node queued.
type TrackRecord struct {
	ID      packet.ID   `json:"id"`    // the packet in our tx queue (what --print-id prints)
	Final   packet.ID   `json:"final"` // the id the destination sees and names in receipts
	Layers  []packet.ID `json:"layers,omitempty"`
	Node    packet.ID   `json:"node"`  // the destination
	Route   []packet.ID `json:"route"` // first hop first, destination last
	Kind    string      `json:"kind"`  // file, exec, freq
	What    string      `json:"what,omitempty"`
	Size    int64       `json:"size"`
	State   TrackState  `json:"state"`
	Reason  string      `json:"reason,omitempty"`
	Status  *int        `json:"status,omitempty"` // an exec's exit status
	Hop     string      `json:"hop,omitempty"`    // how it left: call, xfer, bundle
	Queued  time.Time   `json:"queued"`
	Sent    time.Time   `json:"sent,omitzero"`
	Done    time.Time   `json:"done,omitzero"` // delivered, failed or expired
	Expires time.Time   `json:"expires,omitzero"`
	// Failover is set for a message to a node with alternative routes
	// (trackfailover.go); Route is then the newest copy's.
	Failover *Failover `json:"failover,omitempty"`
}

// Receipt is what a destination reported about one of our messages.
type Receipt struct {
	From      packet.ID // the node whose authenticated packet carried it
	Final     packet.ID // the packet it names
	Delivered bool
	Reason    string
	Status    *int
	At        time.Time
	Via       packet.ID // the node the destination got the packet from (zero: not said)
}

var (
	trackMsg   = []byte("msg")
	trackInner = []byte("inner")
)

// ErrNotTracked is returned for an id no record knows.
var ErrNotTracked = errors.New("not a tracked message")

type tracker struct {
	path    string // ferry-track.db
	pending string // ferry-track.d: records written with their packets (trackpending.go)
	batch   int    // records per merge transaction (0: pendingBatch)
	mu      sync.Mutex
}

func (s *Spool) tracks() *tracker { return s.trk }

// update runs one short read-write transaction, once the records written
// beside their packets are in the database. With mustExist, a missing
// database is not created unless such records wait: a relay that never
// originated anything does not pay for tracking on every packet it
// passes on. A nil fn only merges those records.
func (tr *tracker) update(mustExist bool, fn func(tx *bolt.Tx) error) (err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	l, err := tr.listPending()
	if err != nil {
		return err
	}
	defer l.close()
	names, err := l.next()
	if err != nil {
		return err
	}
	if fn == nil && len(names) == 0 {
		return nil // nothing to merge, nothing to do
	}
	if mustExist && len(names) == 0 {
		if _, err := os.Stat(tr.path); errors.Is(err, os.ErrNotExist) {
			return nil
		}
	}
	db, err := tr.open(false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if err := tr.mergePending(db, l, names); err != nil || fn == nil {
		return err
	}
	return db.Update(fn)
}

func (tr *tracker) open(readOnly bool) (*bolt.DB, error) {
	db, err := bolt.Open(tr.path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: readOnly})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, ErrLocked
	case readOnly && errors.Is(err, os.ErrNotExist):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("tracking records: %w", err)
	}
	return db, nil
}

func (tr *tracker) view(fn func(tx *bolt.Tx) error) error {
	if err := tr.update(true, nil); err != nil {
		return err // the records written beside their packets first
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	db, err := tr.open(true)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // read only
	return db.View(fn)
}

func getRecord(b *bolt.Bucket, id packet.ID) (*TrackRecord, error) {
	v := b.Get([]byte(id.String()))
	if v == nil {
		return nil, nil
	}
	var r TrackRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("tracking record %s: %w", id, err)
	}
	return &r, nil
}

func putRecord(b *bolt.Bucket, r *TrackRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(r.ID.String()), v)
}

// Track records a message just queued.
func (s *Spool) Track(r TrackRecord) error {
	normalize(&r)
	return s.tracks().update(false, func(tx *bolt.Tx) error {
		msg, err := tx.CreateBucketIfNotExists(trackMsg)
		if err != nil {
			return err
		}
		inner, err := tx.CreateBucketIfNotExists(trackInner)
		if err != nil {
			return err
		}
		return putTracked(msg, inner, &r)
	})
}

// MarkSent notes that packet id left our tx queue for node by how (call,
// xfer, bundle). Packets that are not tracked messages are ignored.
func (s *Spool) MarkSent(node, id packet.ID, how string, at time.Time) error {
	return s.MarkSentAll(node, []packet.ID{id}, how, at)
}

// MarkSentAll is MarkSent for several packets in one transaction: xfer
// of many small packets would otherwise open and sync the database once
// for each. A record that cannot be read does not keep the others from
// being marked; its error is returned.
func (s *Spool) MarkSentAll(node packet.ID, ids []packet.ID, how string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	var errs []error
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg := tx.Bucket(trackMsg)
		if msg == nil {
			return nil
		}
		for _, id := range ids {
			errs = append(errs, markSent(tx, msg, node, id, how, at))
		}
		return nil
	})
	return errors.Join(err, errors.Join(errs...))
}

func markSent(tx *bolt.Tx, msg *bolt.Bucket, node, id packet.ID, how string, at time.Time) error {
	r, err := getRecord(msg, id)
	if err == nil && r == nil {
		r, err = copyRecord(tx, msg, id) // a copy made by failover
	}
	if err != nil || r == nil {
		return err
	}
	if r.Failover != nil {
		if !r.copySent(node, id, how, at) {
			return nil
		}
		return putRecord(msg, r)
	}
	if len(r.Route) == 0 || r.Route[0] != node {
		return nil
	}
	if r.State != TrackQueued {
		return nil
	}
	r.State, r.Sent, r.Hop = TrackSent, at, how
	return putRecord(msg, r)
}

// Settle applies a receipt. It returns the record it settled, or nil
// when the receipt names no message of ours (an ACK of a packet we
// relayed or never tracked) or comes from a node that is not the
// message's destination: only the destination can settle a message.
func (s *Spool) Settle(rc Receipt) (*TrackRecord, error) {
	var out *TrackRecord
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg, inner := tx.Bucket(trackMsg), tx.Bucket(trackInner)
		if msg == nil || inner == nil {
			return nil
		}
		outer := inner.Get([]byte(rc.Final.String()))
		if outer == nil {
			return nil
		}
		id, err := packet.ParseID(string(outer))
		if err != nil {
			return err
		}
		r, err := getRecord(msg, id)
		if err != nil || r == nil || r.Node != rc.From {
			return err
		}
		if r.State.Final() {
			out = r // a repeated receipt: the first one stands
			return nil
		}
		r.State, r.Reason, r.Status, r.Done = TrackDelivered, "", rc.Status, rc.At
		if !rc.Delivered {
			r.State, r.Reason = TrackFailed, rc.Reason
		}
		if r.Failover != nil {
			r.Failover.Via = rc.Via
			s.endFailover(r, true)
		}
		out = r
		return putRecord(msg, r)
	})
	return out, err
}

// Tracked returns the records for ids (each the printed or the final
// id), or every record when ids is empty, oldest first.
func (s *Spool) Tracked(ids []packet.ID) ([]TrackRecord, error) {
	var out []TrackRecord
	err := s.tracks().view(func(tx *bolt.Tx) error {
		msg, inner := tx.Bucket(trackMsg), tx.Bucket(trackInner)
		if msg == nil {
			return nil
		}
		if len(ids) == 0 {
			return msg.ForEach(func(k, v []byte) error {
				var r TrackRecord
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("tracking record %s: %w", k, err)
				}
				out = append(out, r)
				return nil
			})
		}
		for _, id := range ids {
			r, err := getRecord(msg, id)
			if err == nil && r == nil && inner != nil {
				if o := inner.Get([]byte(id.String())); o != nil {
					if oid, perr := packet.ParseID(string(o)); perr == nil {
						r, err = getRecord(msg, oid)
					}
				}
			}
			if err != nil {
				return err
			}
			if r == nil {
				return fmt.Errorf("track %s: %w", id, ErrNotTracked)
			}
			out = append(out, *r)
		}
		return nil
	})
	if err == nil && len(ids) > 0 && len(out) == 0 {
		err = fmt.Errorf("track %s: %w", ids[0], ErrNotTracked) // no records at all yet
	}
	sortRecords(out)
	return out, err
}

func sortRecords(rs []TrackRecord) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Queued.Before(rs[j-1].Queued); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// Expired is a message Expire gave up on.
type Expired struct {
	TrackRecord
	Removed bool // its packet was still queued here and is gone now
}

// Expire marks every message whose lifetime ended before now without a
// receipt as expired, removes its packet where it is still in our tx
// queue, and drops records settled longer ago than keep (0: none).
func (s *Spool) Expire(now time.Time, keep time.Duration) ([]Expired, error) {
	var out []Expired
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg, inner := tx.Bucket(trackMsg), tx.Bucket(trackInner)
		if msg == nil {
			return nil
		}
		var changed []*TrackRecord
		var old []TrackRecord
		err := msg.ForEach(func(k, v []byte) error {
			var r TrackRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("tracking record %s: %w", k, err)
			}
			switch {
			case !r.State.Final() && r.State != TrackExpired && !r.Expires.IsZero() && !now.Before(r.Expires):
				r.State, r.Done = TrackExpired, now
				changed = append(changed, &r)
			case keep > 0 && (r.State.Final() || r.State == TrackExpired) && now.Sub(r.Done) > keep:
				old = append(old, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range changed {
			e := Expired{TrackRecord: *r}
			// Unlinking a file inside the transaction is metadata only:
			// no payload I/O, and the record must not say expired while
			// the packet may still leave.
			if len(r.Route) > 0 && s.Has(r.Route[0], TX, r.ID) {
				if err := s.Remove(r.Route[0], TX, r.ID); err != nil {
					return err
				}
				e.Removed = true
			}
			if r.Failover != nil {
				s.endFailover(r, false)
				e.Removed = e.Removed || len(r.Failover.Cleared) > 0
				e.TrackRecord = *r
			}
			if err := putRecord(msg, r); err != nil {
				return err
			}
			out = append(out, e)
		}
		for _, r := range old {
			if err := msg.Delete([]byte(r.ID.String())); err != nil {
				return err
			}
			if inner != nil {
				if err := inner.Delete([]byte(r.Final.String())); err != nil {
					return err
				}
			}
			if err := forgetCopies(tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// TrackKeep is how long a settled record is kept before it is pruned.
const TrackKeep = 30 * 24 * time.Hour
