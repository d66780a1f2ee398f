package spool

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferry-dtn/ferry/packet"
)

// TrackRemoved notes that packets ids were removed from node's tx queue
// here, before they left (by an age policy, ferry rm): a tracked message
// still queued for node as its first hop ends expired with reason, and
// can never be sent now. Expired, not failed, since the destination may
// still have it (a copy carried before), and a receipt that comes later
// settles it as for any expired message. Messages already sent (a copy
// kept by xfer --keep), settled, or not ours are left alone. It returns
// the records it changed, in one transaction for all of ids.
//
// Call it before removing the packets: a run killed in between leaves
// records saying expired for packets still queued, which the next run
// removes; the other order would leave records queued for packets gone.
func (s *Spool) TrackRemoved(node packet.ID, ids []packet.ID, reason string, at time.Time) ([]TrackRecord, error) {
	var out []TrackRecord
	if len(ids) == 0 {
		return nil, nil
	}
	err := s.tracks().update(true, func(tx *bolt.Tx) error {
		msg := tx.Bucket(trackMsg)
		if msg == nil {
			return nil
		}
		for _, id := range ids {
			r, err := getRecord(msg, id)
			if err == nil && r == nil {
				r, err = copyRecord(tx, msg, id) // a copy made by failover
			}
			if err != nil {
				return err
			}
			if r == nil || r.State != TrackQueued || len(r.Route) == 0 || r.Route[0] != node ||
				(r.Failover != nil && !r.Failover.isCurrent(node, id)) {
				continue
			}
			r.State, r.Reason, r.Done = TrackExpired, reason, at
			if r.Failover != nil {
				// No failover either: the message was removed here.
				s.endFailover(r, false)
			}
			if err := putRecord(msg, r); err != nil {
				return err
			}
			out = append(out, *r)
		}
		return nil
	})
	return out, err
}
