package toss

import (
	"errors"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Toss stops before a disk is full, not at ENOSPC: what a packet would
// write (a received file into incoming, a relayed copy or a freq reply
// into the spool, a reassembled file) must fit in the free space above
// the reserve (ferry-reserve) first. A packet that does not fit stays in
// rx/, untouched, with one log line; the run counts it and fails, and a
// later run tosses it once space is freed.

// A packet whose reply or relay does not fit a tx queue's quota
// (ferry-quota) is left in rx the same way: a transit packet is never
// dropped for a full next hop, it waits until that queue drains (a call
// takes its packets, or ferry rm), and the run fails meanwhile.

// overQuota reports a packet left in rx because what it would queue
// does not fit a tx quota.
func (t *Tosser) overQuota(node, pkt packet.ID, err error) {
	t.res.OverQuota++
	t.res.Failed++
	t.log.Warn("packet left in rx: tx quota full", "who", "rx", "node", t.c.NodeName(node), "pkt", pkt.String(), "err", err)
}

// roomIn checks that need bytes fit into the filesystem of dir, a
// directory outside the spool.
func (t *Tosser) roomIn(dir string, need int64) error {
	_, err := spool.FitsIn(t.opt.Space, dir, need, t.c.Reserve.Of)
	return err
}

// roomInSpool checks that need bytes fit into the filesystem holding
// node's queues.
func (t *Tosser) roomInSpool(node packet.ID, need int64) error {
	_, err := t.sp.Fits(node, need, t.c.Reserve.Of)
	return err
}

// noRoom reports a packet left in rx for want of space or of room in a
// tx quota, if err says so.
func (t *Tosser) noRoom(node, pkt packet.ID, err error) bool {
	if errors.Is(err, spool.ErrQuotaFull) {
		t.overQuota(node, pkt, err)
		return true
	}
	if !errors.Is(err, spool.ErrNoRoom) {
		return false
	}
	t.res.NoRoom++
	t.res.Failed++
	t.log.Warn("packet left in rx: not enough free space", "who", "rx", "node", t.c.NodeName(node), "pkt", pkt.String(), "err", err)
	return true
}
