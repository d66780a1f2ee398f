package toss

import (
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// areaMsg handles an area packet: relay the message it carries to every
// subscriber not yet marked, then, once per message, read it ourselves if
// we hold the area's key. Markers under SPOOL/<node>/area/<area>/<msg>
// keep a message from looping.
func (t *Tosser) areaMsg(o *origin, ph packet.PlainHeader, r io.Reader) error {
	if len(ph.Path) < packet.IDLen {
		return refused("area path shorter than an area id")
	}
	aid := packet.ID(ph.Path[:packet.IDLen])
	area, ok := t.c.AreaByID[aid]
	if !ok {
		if err := drain(r); err != nil {
			return err
		}
		return fmt.Errorf("area %s: unknown area", aid)
	}
	// The message is copied to tmp/, then once per subscriber.
	if !t.opt.DryRun {
		if err := t.roomInSpool(o.dir, o.size*int64(1+len(area.Subs))); err != nil {
			return fmt.Errorf("area %s: %w", area.Name, err)
		}
	}
	mf, err := t.sp.CreateTemp("ferryarea")
	if err != nil {
		return err
	}
	defer t.dropScratch(o, mf)
	n, err := io.Copy(mf, r)
	if err != nil {
		return err
	}
	if n < packet.EncHeaderSize {
		return refused("area message shorter than a header")
	}
	head := make([]byte, packet.EncHeaderSize)
	if _, err := mf.ReadAt(head, 0); err != nil {
		return err
	}
	msg := packet.MsgHash(head)
	if t.opt.DryRun {
		return nil
	}
	for _, sub := range area.Subs {
		if t.sp.AreaSeen(sub, aid, msg) {
			continue
		}
		if sub != o.id {
			node, ok := t.c.ByID[sub]
			if !ok {
				continue
			}
			if _, err := mf.Seek(0, io.SeekStart); err != nil {
				return err
			}
			res, err := t.q.Send(t.ctx, node, packet.PlainHeader{Type: packet.TypeArea, Path: aid[:]},
				func(w io.Writer) error { _, err := io.Copy(w, mf); return err }, outbox.Options{Nice: o.nice})
			if err != nil {
				return fmt.Errorf("area %s: relay to %s: %w", area.Name, node.Name, err)
			}
			t.log.Info("area message relayed", "who", "rx-area", "node", node.Name, "area", area.Name, "areamsg", msg.String(), "pkt", res.ID.String())
		}
		if err := t.sp.MarkArea(sub, aid, msg); err != nil {
			return err
		}
	}
	if t.sp.AreaSeen(t.me.ID, aid, msg) {
		return nil
	}
	if ident := area.Identity(); ident != nil {
		if _, err := mf.Seek(0, io.SeekStart); err != nil {
			return err
		}
		rr, err := packet.NewReader(mf, ident, t.c.Lookup, packet.ReadOptions{AllowUnknown: area.AllowUnknown})
		if err != nil {
			return fmt.Errorf("area %s message %s: %w", area.Name, msg, err)
		}
		ip := rr.Plain()
		inner := &origin{area: area, id: aid, name: "area:" + area.Name, inc: area.Incoming, exec: area.Exec,
			pktID: o.pktID, nice: rr.Header().Nice, size: n, dir: o.dir}
		if err := t.process(inner, ip, rr); err != nil {
			return err
		}
		o.cleanup = append(o.cleanup, inner.cleanup...)
	}
	return t.sp.MarkArea(t.me.ID, aid, msg)
}
