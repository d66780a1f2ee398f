package toss

import (
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// trns relays the inner packet to the next hop: verbatim when that node
// is a direct neighbour, re-wrapped along our route to it otherwise.
func (t *Tosser) trns(o *origin, ph packet.PlainHeader, r io.Reader) error {
	if len(ph.Path) < packet.IDLen {
		return refused("trns path shorter than a node id")
	}
	next, ok := t.c.ByID[packet.ID(ph.Path[:packet.IDLen])]
	if !ok {
		if err := drain(r); err != nil {
			return err
		}
		return refused("trns to unknown node %s", packet.ID(ph.Path[:packet.IDLen]))
	}
	if t.opt.DryRun {
		return drain(r)
	}
	if err := t.roomInSpool(next.ID, o.size); err != nil {
		return fmt.Errorf("relay to %s: %w", next.Name, err)
	}
	// The relayed copy is smaller than the packet carrying it: checked
	// with the packet's size first, exactly at its commit.
	hop := next.ID
	if len(next.Via) > 0 {
		hop = next.Via[0]
	}
	if err := t.sp.CheckQuota(hop, spool.TX, spool.Usage{Bytes: o.size, Packets: 1}, t.q.TxQuota(hop)); err != nil {
		return fmt.Errorf("relay to %s: %w", next.Name, err)
	}
	if len(next.Via) > 0 {
		res, err := t.q.Trns(t.ctx, next, next.Via, r, outbox.Options{Nice: o.nice})
		if err != nil {
			return err
		}
		t.log.Info("relayed", "who", "rx-trns", "node", o.name, "pkt", o.pktID.String(), "dst", next.Name, "path", res.ID.String())
		return nil
	}
	tmp, err := t.sp.NewTmp()
	if err != nil {
		return err
	}
	if _, err := packet.Copy(tmp, r); err != nil {
		t.leftover(o, tmp.Abort())
		return err
	}
	if tmp.Size() < packet.EncHeaderSize {
		t.leftover(o, tmp.Abort())
		return refused("trns payload is not a packet")
	}
	id, err := tmp.CommitWithin(next.ID, spool.TX, t.q.TxQuota(next.ID))
	if err != nil {
		return fmt.Errorf("relay to %s: %w", next.Name, err)
	}
	t.log.Info("relayed", "who", "rx-trns", "node", o.name, "pkt", o.pktID.String(), "dst", next.Name, "path", id.String())
	return nil
}
