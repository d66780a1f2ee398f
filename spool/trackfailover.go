package spool

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferry-dtn/ferry/packet"
)

// Failover is the part of a tracking record that a message to a node
// with alternative routes (neigh.NAME.ferry-via-alt) has. Its life:
//
//	queued over Routes[0], inner packet kept (tx/ferry-keep)
//	  -> Wait passes without a receipt: the kept packet is re-wrapped
//	     for Routes[Current+1] (a new copy in that first hop's tx); older
//	     copies still in our tx are withdrawn, copies already gone stay
//	  -> ... each route once; after the last one's Wait, the kept
//	     packet is dropped (Exhausted) and the message waits for a
//	     receipt or its expiry like any other
//	delivered/failed (a receipt for any copy: they are one packet to
//	the destination) or expired: kept packet and queued copies removed
//
// bucket "copy": outer id of every copy after the first -> record key.
type Failover struct {
	Wait      time.Duration `json:"wait"`
	Routes    [][]packet.ID `json:"routes"`  // the relays of each route, in the order tried
	Current   int           `json:"current"` // the route of the newest copy
	Since     time.Time     `json:"since"`   // when the newest copy was queued
	Kept      bool          `json:"kept"`    // the inner packet is in tx/ferry-keep
	Exhausted bool          `json:"exhausted,omitempty"`
	Copies    []RouteCopy   `json:"copies"`
	// Via is the node the destination got the packet from, as its
	// receipt says (the last relay; the origin itself when direct).
	Via packet.ID `json:"via,omitzero"`

	// Cleared lists the copies the call that returned this record
	// removed from our tx (for its log lines); not stored.
	Cleared []RouteCopy `json:"-"`
}

// RouteCopy is one wrapping of the inner packet for one route.
type RouteCopy struct {
	Route     int       `json:"route"` // index into Routes
	ID        packet.ID `json:"id"`    // the packet in the first hop's tx queue
	Queue     packet.ID `json:"queue"` // that first hop (the destination when direct)
	Queued    time.Time `json:"queued"`
	Sent      time.Time `json:"sent,omitzero"`
	How       string    `json:"how,omitempty"`
	Withdrawn bool      `json:"withdrawn,omitempty"` // removed from our tx before it left
}

var trackCopy = []byte("copy")

// NewFailover is the failover state of a message just queued as id in
// queue's tx over routes[0], its inner packet kept (or not).
func NewFailover(wait time.Duration, routes [][]packet.ID, id, queue packet.ID, kept bool, now time.Time) *Failover {
	return &Failover{Wait: wait, Routes: routes, Since: now, Kept: kept,
		Copies: []RouteCopy{{Route: 0, ID: id, Queue: queue, Queued: now}}}
}

// FailoverDue reports whether the newest copy's wait ended at now without a
// receipt, and whether there is a next route to try (else the kept
// packet is only dropped).
func (r *TrackRecord) FailoverDue(now time.Time) (due, next bool) {
	f := r.Failover
	if f == nil || !f.Kept || r.State.Final() || r.State == TrackExpired || now.Before(f.Since.Add(f.Wait)) {
		return false, false
	}
	return true, f.Current+1 < len(f.Routes)
}

// RouteOf is the route a copy took: first hop first, destination last.
func (r *TrackRecord) RouteOf(c RouteCopy) []packet.ID {
	return append(slices.Clone(r.Failover.Routes[c.Route]), r.Node)
}

// FailoversDue returns the records whose current route's wait ended at
// now without a receipt.
func (s *Spool) FailoversDue(now time.Time) ([]TrackRecord, error) {
	var out []TrackRecord
	err := s.tracks().view(func(tx *bolt.Tx) error {
		msg := tx.Bucket(trackMsg)
		if msg == nil {
			return nil
		}
		return msg.ForEach(func(k, v []byte) error {
			var r TrackRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("tracking record %s: %w", k, err)
			}
			if due, _ := r.FailoverDue(now); due {
				out = append(out, r)
			}
			return nil
		})
	})
	sortRecords(out)
	return out, err
}

// Rerouted records c, a new copy of message id's inner packet queued for
// the next route, and withdraws the older copies still in our tx queue
// (a copy already sent is left to arrive: the destination's seen marker
// makes the later of two arrivals a duplicate). It returns the record
// as it now stands; Failover.Cleared lists the withdrawn copies.
// Nothing is recorded for a message settled or expired meanwhile: the
// new copy is removed instead, and the record returned unchanged.
func (s *Spool) Rerouted(id packet.ID, c RouteCopy) (*TrackRecord, error) {
	var out *TrackRecord
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg := tx.Bucket(trackMsg)
		if msg == nil {
			return fmt.Errorf("track %s: %w", id, ErrNotTracked)
		}
		r, err := getRecord(msg, id)
		if err != nil {
			return err
		}
		if r == nil || r.Failover == nil {
			return fmt.Errorf("track %s: %w", id, ErrNotTracked)
		}
		if r.State.Final() || r.State == TrackExpired {
			out = r
			return s.Remove(c.Queue, TX, c.ID)
		}
		copies, err := tx.CreateBucketIfNotExists(trackCopy)
		if err != nil {
			return err
		}
		f := r.Failover
		s.withdraw(r, false)
		f.Copies = append(f.Copies, c)
		f.Current, f.Since = c.Route, c.Queued
		r.Route = r.RouteOf(c)
		r.Layers = nil // the new layers' ids are those of the copy's own wrapping
		r.State, r.Sent, r.Hop = TrackQueued, time.Time{}, ""
		if err := copies.Put([]byte(c.ID.String()), []byte(r.ID.String())); err != nil {
			return err
		}
		out = r
		return putRecord(msg, r)
	})
	return out, err
}

// Exhausted notes that message id has tried its last route: its kept
// packet is dropped, and it waits for a receipt or its expiry.
func (s *Spool) Exhausted(id packet.ID) (*TrackRecord, error) {
	var out *TrackRecord
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg := tx.Bucket(trackMsg)
		if msg == nil {
			return nil
		}
		r, err := getRecord(msg, id)
		if err != nil || r == nil || r.Failover == nil || !r.Failover.Kept {
			return err
		}
		if err := s.DropKept(r.Node, r.Final); err != nil {
			return err
		}
		r.Failover.Kept, r.Failover.Exhausted = false, true
		out = r
		return putRecord(msg, r)
	})
	return out, err
}

// withdraw removes the copies of r still in our tx queue: those not
// sent yet, or every one when all (the message is settled: a copy kept
// for a carrier goes too). Unlinking is metadata only, done inside the
// record's transaction like Expire's, so that the record never says a
// copy is queued that is gone or the reverse.
func (s *Spool) withdraw(r *TrackRecord, all bool) {
	f := r.Failover
	for i := range f.Copies {
		c := &f.Copies[i]
		if c.Withdrawn || (!all && !c.Sent.IsZero()) || !s.Has(c.Queue, TX, c.ID) {
			continue
		}
		if s.Remove(c.Queue, TX, c.ID) == nil {
			if c.Sent.IsZero() {
				c.Withdrawn = true
			}
			f.Cleared = append(f.Cleared, *c)
		}
	}
}

// endFailover runs when r is settled or expires: the kept packet has no
// use left, nor have the copies still queued here.
func (s *Spool) endFailover(r *TrackRecord, settled bool) {
	f := r.Failover
	if f == nil {
		return
	}
	s.withdraw(r, settled)
	if f.Kept && s.DropKept(r.Node, r.Final) == nil {
		f.Kept = false
	}
}

// copyRecord finds the record a later copy's outer id belongs to.
func copyRecord(tx *bolt.Tx, msg *bolt.Bucket, id packet.ID) (*TrackRecord, error) {
	b := tx.Bucket(trackCopy)
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(id.String()))
	if v == nil {
		return nil, nil
	}
	key, err := packet.ParseID(string(v))
	if err != nil {
		return nil, err
	}
	return getRecord(msg, key)
}

// copySent notes that copy id of r left for node by how. It reports
// whether the record changed. A message's state follows its newest copy.
func (r *TrackRecord) copySent(node, id packet.ID, how string, at time.Time) bool {
	f := r.Failover
	for i := range f.Copies {
		c := &f.Copies[i]
		if c.ID != id || c.Queue != node || !c.Sent.IsZero() {
			continue
		}
		c.Sent, c.How = at, how
		if c.Route == f.Current && r.State == TrackQueued {
			r.State, r.Sent, r.Hop = TrackSent, at, how
		}
		return true
	}
	return false
}

// wantsKept reports whether a tracking record still wants the kept inner
// packet final of a message to dest.
func (s *Spool) wantsKept(dest, final packet.ID) (bool, error) {
	want := false
	err := s.tracks().view(func(tx *bolt.Tx) error {
		msg, inner := tx.Bucket(trackMsg), tx.Bucket(trackInner)
		if msg == nil || inner == nil {
			return nil
		}
		o := inner.Get([]byte(final.String()))
		if o == nil {
			return nil
		}
		id, err := packet.ParseID(string(o))
		if err != nil {
			return err
		}
		r, err := getRecord(msg, id)
		if err != nil || r == nil {
			return err
		}
		want = r.Node == dest && r.Failover != nil && r.Failover.Kept
		return nil
	})
	return want, err
}

// forgetCopies drops the copy index entries of a pruned record.
func forgetCopies(tx *bolt.Tx, r *TrackRecord) error {
	b := tx.Bucket(trackCopy)
	if b == nil || r.Failover == nil {
		return nil
	}
	for _, c := range r.Failover.Copies { // the first is the record's own key: not in the bucket
		if err := b.Delete([]byte(c.ID.String())); err != nil {
			return err
		}
	}
	return nil
}

// isCurrent reports whether id in node's tx is the newest copy: removing
// an older one (withdrawn, or sent and kept for a carrier) removes no
// message.
func (f *Failover) isCurrent(node, id packet.ID) bool {
	c := f.Copies[len(f.Copies)-1]
	return c.ID == id && c.Queue == node
}
