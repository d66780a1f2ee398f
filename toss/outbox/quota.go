package outbox

import (
	"errors"
	"fmt"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Every packet queued here fits its tx queue's quota (ferry-quota: the
// first hop's own tx limits and the global ones) or is not queued: the
// commit checks the exact size and drops the packet when it does not
// fit, and a file whose size is known is checked before it is read, with
// all its chunks, so that a full queue refuses at once and a chunked
// send is not left half queued.

// TxQuota is what caps node's tx queue.
func (q *Outbox) TxQuota(node packet.ID) spool.Quota {
	own, all := q.Cfg.Quotas(node)
	return spool.Quota{Own: spool.Limit(own.TX), All: spool.Limit(all.TX)}
}

// checkQuota refuses, before anything is written, a send of need that
// cannot fit the first hop's tx queue.
func (q *Outbox) checkQuota(hop packet.ID, need spool.Usage) error {
	return q.Spool.CheckQuota(hop, spool.TX, need, q.TxQuota(hop))
}

// firstHop is the queue a packet for d goes into.
func (q *Outbox) firstHop(d Dest, via *[]packet.ID) (packet.ID, error) {
	if d.Area != nil {
		me, err := q.self()
		if err != nil {
			return packet.ID{}, err
		}
		return me.ID, nil
	}
	route, err := q.Route(d.Node, via)
	if err != nil {
		return packet.ID{}, err
	}
	return route[0].ID, nil
}

// checkFile refuses a file of size bytes (chunks packets in all) that
// cannot fit; size < 0 is unknown: only the commits check it.
func (q *Outbox) checkFile(d Dest, ph packet.PlainHeader, size int64, packets int64, opt Options) error {
	if size < 0 {
		return nil
	}
	hop, err := q.firstHop(d, opt.Via)
	if err != nil {
		return err
	}
	if err := q.checkQuota(hop, spool.Usage{Bytes: size, Packets: packets}); err != nil {
		return fmt.Errorf("queue %s for %s: %w", ph.Type, d.name(), err)
	}
	return nil
}

// name is the destination in messages.
func (d Dest) name() string {
	if d.Area != nil {
		return "area " + d.Area.Name
	}
	return d.Node.Name
}

// quotaFull reports whether err refused a packet for a quota.
func quotaFull(err error) bool { return errors.Is(err, spool.ErrQuotaFull) }
