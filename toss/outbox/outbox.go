// Package outbox makes outbound packets: files, file requests, exec
// commands, ACKs, transit wrappings and area messages, encrypted and
// hashed in one streaming pass straight into the spool.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Outbox sends on behalf of our own node.
type Outbox struct {
	Spool *spool.Spool
	Cfg   *cfg.Config
}

// Options apply to every packet a call queues.
type Options struct {
	Nice    uint8
	MinSize int64        // bytes; pad packets to at least this size
	MaxSize int64        // bytes; refuse larger plaintexts (0: no limit)
	Via     *[]packet.ID // nil: the node's configured route; empty: direct
	// Track, when set, gives the tracking record of each packet Send
	// queues (ok false: none), which the spool writes in the packet's
	// own fsync round (spool.Tmp.TrackWith); Queued.TrackErr says when
	// that failed.
	Track func(Queued) (r spool.TrackRecord, ok bool)
}

// Queued describes one queued packet.
type Queued struct {
	Node packet.ID // queue it sits in (the first hop)
	ID   packet.ID
	Size int64
	// Dest is the node the innermost layer is encrypted for (zero for
	// an area message); Route its hops, first hop first, Dest last.
	Dest  packet.ID
	Route []packet.ID
	// Inner holds the ids of the layers inside ID, the next hop's first
	// and the destination's last; empty for a direct packet. The
	// destination knows the message by the last of them (or by ID).
	Inner []packet.ID
	// Kept is set when the innermost layer was also kept in the spool
	// for failover (Dest has ferry-via-alt and the route was its own).
	Kept bool
	// TrackErr is why Options.Track's record could not be written; the
	// packet is queued all the same.
	TrackErr error
}

// Final is the id the destination sees the packet by.
func (q Queued) Final() packet.ID {
	if len(q.Inner) > 0 {
		return q.Inner[len(q.Inner)-1]
	}
	return q.ID
}

func (q *Outbox) self() (*packet.Identity, error) {
	if q.Cfg.Self == nil {
		return nil, cfg.ErrNoPrivateKeys
	}
	return q.Cfg.Self.Identity(), nil
}

// Route returns the peers a packet to node passes, first hop first,
// node itself last.
func (q *Outbox) Route(node *cfg.Node, via *[]packet.ID) ([]packet.Peer, error) {
	hops := node.Via
	if via != nil {
		hops = *via
	}
	var route []packet.Peer
	for _, id := range hops {
		n, ok := q.Cfg.ByID[id]
		if !ok {
			return nil, fmt.Errorf("route to %s: unknown hop %s", node.Name, id)
		}
		route = append(route, n.Peer())
	}
	return append(route, node.Peer()), nil
}

// Send queues one packet for node whose payload produce writes.
func (q *Outbox) Send(ctx context.Context, node *cfg.Node, ph packet.PlainHeader, produce func(io.Writer) error, opt Options) (Queued, error) {
	me, err := q.self()
	if err != nil {
		return Queued{}, err
	}
	route, err := q.Route(node, opt.Via)
	if err != nil {
		return Queued{}, err
	}
	what := fmt.Sprintf("queue %s for %s", ph.Type, node.Name)
	if route[0].ID != node.ID {
		what += " via " + q.Cfg.NodeName(route[0].ID)
	}
	// A queue already full refuses before the payload is read.
	quota := q.TxQuota(route[0].ID)
	if err := q.Spool.CheckQuota(route[0].ID, spool.TX, spool.Usage{Packets: 1}, quota); err != nil {
		return Queued{}, fmt.Errorf("%s: %w", what, err)
	}
	t, err := q.Spool.NewTmp()
	if err != nil {
		return Queued{}, err
	}
	keep, err := q.keeper(node, ph.Type, opt)
	if err != nil {
		return Queued{}, errors.Join(err, t.Abort())
	}
	w, inner, err := packet.NewKeepingRelayWriter(t, keep.writer(), me, route, ph, opt.write())
	if err = fill(ctx, w, err, produce); err != nil {
		return Queued{}, errors.Join(fmt.Errorf("%s: %w", what, err), t.Abort(), keep.abort())
	}
	// The kept copy first: a crash after it leaves a kept packet that no
	// record wants, which SweepKept removes, never a message that cannot
	// fail over.
	if err := keep.commit(node.ID); err != nil {
		return Queued{}, errors.Join(fmt.Errorf("%s: %w", what, err), t.Abort())
	}
	hops := make([]packet.ID, len(route))
	for i, p := range route {
		hops[i] = p.ID
	}
	queued := Queued{Node: route[0].ID, Size: t.Size(), Dest: node.ID, Route: hops, Inner: inner(), Kept: keep != nil}
	if opt.Track != nil {
		t.TrackWith(func(id packet.ID) (spool.TrackRecord, bool) {
			q := queued
			q.ID = id
			return opt.Track(q)
		})
	}
	id, err := t.CommitWithin(route[0].ID, spool.TX, quota)
	if err != nil {
		return Queued{}, errors.Join(fmt.Errorf("%s: %w", what, err), keep.drop(q.Spool, node.ID))
	}
	queued.ID, queued.TrackErr = id, t.TrackErr()
	return queued, nil
}

// SendArea originates an area message: stored in our own tx queue, with
// our own seen marker, so that tossing self fans it out to subscribers.
func (q *Outbox) SendArea(ctx context.Context, area *cfg.Area, ph packet.PlainHeader, produce func(io.Writer) error, opt Options) (Queued, error) {
	me, err := q.self()
	if err != nil {
		return Queued{}, err
	}
	if area.Pub == nil {
		return Queued{}, fmt.Errorf("area %s has no encryption keys", area.Name)
	}
	quota := q.TxQuota(me.ID)
	if err := q.Spool.CheckQuota(me.ID, spool.TX, spool.Usage{Packets: 1}, quota); err != nil {
		return Queued{}, fmt.Errorf("queue %s for area %s: %w", ph.Type, area.Name, err)
	}
	t, err := q.Spool.NewTmp()
	if err != nil {
		return Queued{}, err
	}
	w, msg, err := packet.NewAreaWriter(t, me, area.Peer(), ph, opt.write())
	if err = fill(ctx, w, err, produce); err != nil {
		return Queued{}, errors.Join(fmt.Errorf("queue %s for area %s: %w", ph.Type, area.Name, err), t.Abort())
	}
	// The marker first: a crash between the two leaves a marker without
	// a message (harmless), never a message that would loop back to us.
	if err := q.Spool.MarkArea(me.ID, area.ID, msg); err != nil {
		return Queued{}, errors.Join(err, t.Abort())
	}
	id, err := t.CommitWithin(me.ID, spool.TX, quota)
	if err != nil {
		return Queued{}, fmt.Errorf("queue %s for area %s: %w", ph.Type, area.Name, err)
	}
	return Queued{Node: me.ID, ID: id, Size: t.Size()}, nil
}

// ctxWriter fails every write once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// ReadFrom lets the packet writer read a bulk source straight into its
// blocks (packet.Writer.ReadFrom; fill's writers are packet's, which all
// have it), still stopping at the first read after ctx is cancelled; into
// any other writer it copies as Write would.
func (c ctxWriter) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(ctxReader{c.ctx, r})
	}
	return packet.Copy(struct{ io.Writer }{c}, r)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (o Options) write() packet.WriteOptions {
	return packet.WriteOptions{Nice: o.Nice, MinSize: o.MinSize, MaxSize: o.MaxSize}
}

// fill runs produce into a freshly made packet writer and closes it,
// returning the first error, including the one that made the writer.
// Once ctx is cancelled, produce's next write fails with its error, so
// the packet is abandoned (the caller aborts its tmp file).
func fill(ctx context.Context, w io.WriteCloser, err error, produce func(io.Writer) error) error {
	if err != nil {
		return err
	}
	err = produce(ctxWriter{ctx, w})
	if err == nil {
		err = ctx.Err() // cancelled after the last write: still abandoned
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
