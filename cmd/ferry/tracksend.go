package main

import (
	"time"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// track records the messages a sending command queued, so that ferry
// track can tell what became of them. A message that cannot be recorded
// is still queued: the failure is logged, not fatal.
func (s *sendFlags) track(e *localNode, kind, what string, qs ...outbox.Queued) {
	now := time.Now()
	for _, q := range qs {
		r, ok := s.record(e, kind, what, now, q)
		if !ok {
			continue
		}
		if err := e.sp.Track(r); err != nil {
			s.untracked(e, q, err)
		}
	}
}

// trackWith has the spool write each queued message's record in the
// packet's own fsync round, instead of in a transaction after it (two
// more flushes of the disk): commands that queue one packet per run
// (exec, freq) set it in their outbox.Options, then call tracked.
func (s *sendFlags) trackWith(e *localNode, kind, what string) func(outbox.Queued) (spool.TrackRecord, bool) {
	return func(q outbox.Queued) (spool.TrackRecord, bool) { return s.record(e, kind, what, time.Now(), q) }
}

// tracked logs the records trackWith could not write.
func (s *sendFlags) tracked(e *localNode, qs ...outbox.Queued) {
	for _, q := range qs {
		if q.TrackErr != nil {
			s.untracked(e, q, q.TrackErr)
		}
	}
}

func (s *sendFlags) untracked(e *localNode, q outbox.Queued, err error) {
	e.log.Warn("message queued but not tracked", "who", "tx", "node", e.c.NodeName(q.Dest), "pkt", q.ID.String(), "err", err)
}

// record is the tracking record of q, queued at now; ok false for an
// area message or one to ourselves (no single destination to answer).
func (s *sendFlags) record(e *localNode, kind, what string, now time.Time, q outbox.Queued) (spool.TrackRecord, bool) {
	if q.Dest.IsZero() || q.Dest == e.sp.Self {
		return spool.TrackRecord{}, false
	}
	r := spool.TrackRecord{ID: q.ID, Final: q.Final(), Layers: q.Inner, Node: q.Dest, Route: q.Route,
		Kind: kind, What: what, Size: q.Size, Queued: now}
	expire := s.expire
	if !s.fs.Changed("expire") {
		if n := e.c.ByID[q.Dest]; n != nil {
			expire = n.Expire
		}
	}
	if expire > 0 {
		r.Expires = now.Add(expire)
	}
	if q.Kept {
		n := e.c.ByID[q.Dest]
		r.Failover = spool.NewFailover(n.Failover, n.Routes(), q.ID, q.Node, true, now)
	}
	return r, true
}
