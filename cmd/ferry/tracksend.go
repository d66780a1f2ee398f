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
		if q.Dest.IsZero() || q.Dest == e.sp.Self {
			continue // an area message or one to ourselves: no single destination to answer
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
		if err := e.sp.Track(r); err != nil {
			e.log.Warn("message queued but not tracked", "who", "tx", "node", e.c.NodeName(q.Dest), "pkt", q.ID.String(), "err", err)
		}
	}
}
