package toss

import (
	"github.com/ferry-dtn/ferry/packet"
)

// NNCP keeps a seen marker in the queue a packet arrived in, so the same
// packet brought again by the same neighbour is a duplicate. A ferry
// origin that fails over sends one inner packet over two routes: the
// copies arrive from different relays, into different queues. So a
// relayed packet's marker is also kept under its origin (the signed
// sender), and looked up there once its header names the origin; its
// exec claim lives there too, so that two copies share one claim.
// Packets of an origin marked ferry always get markers, with or without
// --seen: such an origin is told what happened, may fail over, and a
// second arrival must then be harmless.

// seenElsewhere reports whether a packet relayed to us in node's queue
// was already processed as it came by another route.
func (t *Tosser) seenElsewhere(node, sender, id packet.ID) bool {
	return sender != node && t.sp.Seen(sender, id)
}

// keepsSeen reports whether the packet, once tossed, gets seen markers.
func (t *Tosser) keepsSeen(o *origin, ty packet.Type) bool {
	return t.opt.Seen || (t.wantsReceipt(o, ty) && o.node.Ferry)
}

// markSeen makes the packet's markers: in its queue, as NNCP does, and
// under its origin when relayed.
func (t *Tosser) markSeen(o *origin, node, id packet.ID) error {
	if err := t.sp.MarkSeen(node, id); err != nil {
		return err
	}
	if o.node != nil && o.id != node {
		return t.sp.MarkSeen(o.id, id)
	}
	return nil
}
