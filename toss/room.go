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

// noRoom reports a packet left in rx for want of space, if err says so.
func (t *Tosser) noRoom(node, pkt packet.ID, err error) bool {
	if !errors.Is(err, spool.ErrNoRoom) {
		return false
	}
	t.res.NoRoom++
	t.res.Failed++
	t.log.Warn("packet left in rx: not enough free space", "who", "rx", "node", t.c.NodeName(node), "pkt", pkt.String(), "err", err)
	return true
}
