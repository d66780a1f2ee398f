package outbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A message to a node with failover routes (cfg's ferry-via-alt) sent
// over the node's own route keeps its innermost layer, the packet
// encrypted for the destination, in the spool (spool.CommitKept), so
// that Rewrap can wrap the same packet for another route: the
// destination then sees one id whichever route brings it, and its seen
// marker makes the later arrival a duplicate. A route given with --via
// is the sender's choice, and is not failed over.

// kept is the spool copy of the innermost layer being written; nil when
// the message keeps none.
type kept struct {
	tmp *spool.Tmp
	id  packet.ID // once committed
}

// keeper starts the kept copy of a message of type ty to node, when it
// is one the sender tracks (a file, command or file request: receipts
// and ACKs are not followed up) going over the node's own route.
func (q *Outbox) keeper(node *cfg.Node, ty packet.Type, opt Options) (*kept, error) {
	if len(node.ViaAlt) == 0 || opt.Via != nil {
		return nil, nil
	}
	switch ty {
	case packet.TypeFile, packet.TypeFreq, packet.TypeExec, packet.TypeExecFat:
	default:
		return nil, nil
	}
	t, err := q.Spool.NewTmp()
	if err != nil {
		return nil, err
	}
	return &kept{tmp: t}, nil
}

func (k *kept) writer() io.Writer {
	if k == nil {
		return nil
	}
	return k.tmp
}

func (k *kept) abort() error {
	if k == nil {
		return nil
	}
	return k.tmp.Abort()
}

func (k *kept) commit(dest packet.ID) error {
	if k == nil {
		return nil
	}
	id, err := k.tmp.CommitKept(dest)
	if err != nil {
		return fmt.Errorf("keep for failover: %w", err)
	}
	k.id = id
	return nil
}

// drop removes a kept copy whose message could not be queued.
func (k *kept) drop(sp *spool.Spool, dest packet.ID) error {
	if k == nil {
		return nil
	}
	return sp.DropKept(dest, k.id)
}

// Rewrap wraps the kept inner packet final of a message to node for the
// route through relays (first hop first; none: direct) and queues it for
// that route's first hop. The layers carry the inner packet's niceness.
func (q *Outbox) Rewrap(ctx context.Context, node *cfg.Node, final packet.ID, relays []packet.ID) (Queued, error) {
	f, err := q.Spool.OpenKept(node.ID, final)
	if err != nil {
		return Queued{}, err
	}
	defer func() { _ = f.Close() }() // read only
	r := bufio.NewReaderSize(f, packet.EncHeaderSize)
	head, err := r.Peek(packet.EncHeaderSize)
	if err != nil {
		return Queued{}, fmt.Errorf("rewrap %s for %s: %w", final, node.Name, err)
	}
	h, err := packet.ParseEncHeader(head)
	if err != nil {
		return Queued{}, fmt.Errorf("rewrap %s for %s: %w", final, node.Name, err)
	}
	if len(relays) == 0 {
		id, n, err := q.Spool.CopyIn(r, node.ID, spool.TX, &final)
		if err != nil {
			return Queued{}, fmt.Errorf("rewrap %s for %s: %w", final, node.Name, err)
		}
		return Queued{Node: node.ID, ID: id, Size: n, Dest: node.ID, Route: []packet.ID{node.ID}}, nil
	}
	res, err := q.Trns(ctx, node, relays, r, Options{Nice: h.Nice})
	if err != nil {
		return Queued{}, fmt.Errorf("rewrap %s for %s: %w", final, node.Name, err)
	}
	res.Dest = node.ID
	res.Route = append(slices.Clone(relays), node.ID)
	res.Inner = append(res.Inner, final)
	return res, nil
}
