package toss

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// origin is who a plain packet counts as coming from: a neighbour, or an
// area acting as a pseudo-node for the messages it carries.
type origin struct {
	node   *cfg.Node // nil for area messages
	area   *cfg.Area
	id     packet.ID // NNCP_SENDER
	name   string
	inc    string
	exec   map[string][]string
	pktID  packet.ID
	nice   uint8 // outer niceness
	size   int64 // the packet's size: a bound on what its payload writes
	selfTx bool
	dir    packet.ID // queue the packet sits in
	// cleanup removes markers once the packet itself is gone.
	cleanup []func() error
	// statusUnknown: an exec ran, but before an interruption, and its
	// exit status is not known.
	statusUnknown bool
	// async lets exec start the handler and leave it running; it then
	// sets running, and the packet is finished when that is retired.
	async   bool
	running *running
}

// dirNode is the queue whose markers name the packet: its origin's for
// a node's packet, so that copies relayed by different neighbours share
// one exec claim (dedupe.go); the queue's own for an area message.
func (o *origin) dirNode() packet.ID {
	if o.node != nil {
		return o.id
	}
	return o.dir
}

// tossOne tosses one packet. When async and the packet's handler was left
// running, it returns what finishes the packet once retired; otherwise the
// packet is done with.
func (t *Tosser) tossOne(node packet.ID, xx spool.XX, j spool.Job, selfTx, async bool) *running {
	if xx == spool.RX && t.sp.Seen(node, j.ID) {
		// Identical content was already processed: a duplicate.
		if t.opt.DryRun {
			t.log.Info("duplicate of a processed packet (dry run: left in place)", "who", "rx", "node", t.c.NodeName(node), "pkt", j.ID.String())
			return nil
		}
		t.dropDuplicate(node, j.ID)
		return nil
	}
	// Read once: a packet tossed is removed, and one left for a later
	// toss is read again from the disk.
	f, err := t.sp.OpenStreamOnce(node, xx, j.ID)
	if err != nil {
		if !os.IsNotExist(err) {
			t.fail(node, j.ID, err)
		}
		return nil
	}
	defer func() { _ = f.Close() }() // read only
	meter := t.meter(node, j)
	r, err := packet.NewReader(meter.Reader(f), t.me, t.c.Lookup, packet.ReadOptions{})
	if err != nil {
		t.setAside(node, xx, j.ID, err)
		return nil
	}
	ph := r.Plain()
	if selfTx && ph.Type != packet.TypeArea && ph.Type != packet.TypeACK {
		return nil // our own tx holds only area fan-out work
	}
	if t.opt.Skip.Has(ph.Type) {
		return nil
	}
	sender := t.c.ByID[r.Header().Sender]
	if xx == spool.RX && !selfTx && t.seenElsewhere(node, sender.ID, j.ID) {
		// The same packet came before by another route (failover).
		if t.opt.DryRun {
			t.log.Info("duplicate of a packet processed as it came by another route (dry run: left in place)", "who", "rx",
				"node", t.c.NodeName(node), "pkt", j.ID.String())
			return nil
		}
		t.dropDuplicate(node, j.ID)
		return nil
	}
	o := &origin{node: sender, id: sender.ID, name: sender.Name, inc: sender.Incoming, exec: sender.Exec,
		pktID: j.ID, nice: r.Header().Nice, size: j.Size, selfTx: selfTx, dir: node, async: async && !t.opt.DryRun}
	if (isExec(ph.Type) || ph.Type == packet.TypeArea) && xx == spool.RX && !t.opt.DryRun {
		// (An area message carries its command inside: its handler's
		// failures are counted against the area packet.)
		handle, _, _ := strings.Cut(string(ph.Path), "\x00")
		if ph.Type == packet.TypeArea {
			handle = "in an area message"
		}
		if t.retryGate(o, xx, j.ID, ph.Type, handle) {
			return nil
		}
	}
	err = t.process(o, ph, r)
	if run := o.running; run != nil && err == nil {
		run.settle = func(err error) { t.finishOne(node, xx, j, o, ph, meter, err) }
		return run
	}
	t.finishOne(node, xx, j, o, ph, meter, err)
	return nil
}

// finishOne acts on what processing a packet came to: it is set aside,
// left for a later toss, or answered and removed.
func (t *Tosser) finishOne(node packet.ID, xx spool.XX, j spool.Job, o *origin, ph packet.PlainHeader, meter *packet.ProgressMeter, err error) {
	sender, selfTx := o.node, o.selfTx
	if err != nil {
		if t.noRoom(node, j.ID, err) {
			return
		}
		if permanent(err) {
			t.refuse(o, xx, j.ID, ph.Type, err)
		} else {
			t.fail(node, j.ID, err)
		}
		return
	}
	meter.Finish()
	t.res.Tossed[ph.Type]++
	t.log.Info("tossed", "who", "rx", "node", sender.Name, "pkt", j.ID.String(), "type", ph.Type.String(),
		"nice", int(j.Nice), "size", j.Size)
	if t.opt.DryRun {
		return
	}
	// The receipt before the seen marker: a run killed in between sees
	// no marker, tosses the packet again (files and commands are
	// delivered once all the same) and repeats the receipt, where the
	// other order could lose it.
	if err := t.sendReceipt(o, ph.Type, delivered(ph.Type, o.statusUnknown)); err != nil {
		t.fail(node, j.ID, err)
		return
	}
	seen := false
	if t.keepsSeen(o, ph.Type) && ph.Type != packet.TypeArea && !selfTx {
		if err := t.markSeen(o, node, j.ID); err != nil {
			t.fail(node, j.ID, err)
			return
		}
		seen = true
	}
	if t.opt.GenACK && !selfTx && ph.Type != packet.TypeACK && ph.Type != packet.TypeArea && sender.Name != "self" &&
		!t.wantsReceipt(o, ph.Type) {
		// (A packet that has a receipt was acknowledged by it.)
		if _, err := t.q.ACK(t.ctx, sender, j.ID, outbox.Options{Nice: packet.NiceNormal}); err != nil {
			t.fail(node, j.ID, fmt.Errorf("queue ACK: %w", err))
			return
		}
	}
	if seen {
		// From here the seen marker proves the delivery, so what was
		// kept for it (a file's delivery proof, an exec's claim) goes
		// before the packet: a run killed in between leaves the packet
		// beside its marker, which the next run drops as a duplicate.
		// Removed after the packet, a kill in between left them with no
		// packet to say whose they were, for good.
		t.cleanUp(o)
	}
	if err := t.sp.Remove(node, xx, j.ID); err != nil {
		t.fail(node, j.ID, err)
		return
	}
	if !seen {
		t.cleanUp(o) // without a marker, they are the only proof until the packet is gone
	}
}

// cleanUp removes what a packet's processing kept until it was done.
func (t *Tosser) cleanUp(o *origin) {
	for _, remove := range o.cleanup {
		t.leftover(o, remove())
	}
	o.cleanup = nil
}

// meter starts the progress count of one packet's toss.
func (t *Tosser) meter(node packet.ID, j spool.Job) *packet.ProgressMeter {
	if t.opt.Progress == nil {
		return nil // no name to build: a million small packets pay nothing
	}
	return packet.NewProgressMeter(t.opt.Progress, t.c.NodeName(node)+" "+j.ID.String()[:12], j.Size)
}

// refuse answers a packet that will never be processed with its receipt,
// then sets it aside. The receipt first: a run killed before the packet
// is set aside refuses it again and sends a second receipt, which the
// origin takes as a repeat.
func (t *Tosser) refuse(o *origin, xx spool.XX, id packet.ID, ty packet.Type, err error) {
	if rerr := t.sendReceipt(o, ty, t.refusal(o, err)); rerr != nil {
		t.fail(o.dir, id, rerr)
		return
	}
	t.setAside(o.dir, xx, id, err)
}

func isExec(ty packet.Type) bool { return ty == packet.TypeExec || ty == packet.TypeExecFat }

// process acts on one decrypted plain packet. It returns only after the
// payload was read to a verified end and the result is durable.
func (t *Tosser) process(o *origin, ph packet.PlainHeader, r io.Reader) error {
	switch ph.Type {
	case packet.TypeFile:
		return t.file(o, ph, r)
	case packet.TypeExec, packet.TypeExecFat:
		return t.exec(o, ph, r)
	case packet.TypeFreq:
		if o.area != nil {
			return refused("freq in an area message")
		}
		return t.freq(o, ph, r)
	case packet.TypeTrns:
		if o.area != nil {
			return refused("trns in an area message")
		}
		return t.trns(o, ph, r)
	case packet.TypeArea:
		if o.area != nil {
			return refused("area in an area message")
		}
		return t.areaMsg(o, ph, r)
	case packet.TypeACK:
		return t.ack(o, ph, r)
	}
	return fmt.Errorf("%w: %d", packet.ErrUnknownType, ph.Type)
}

// drain reads the rest of a payload, proving the packet intact.
func drain(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

func (t *Tosser) ack(o *origin, ph packet.PlainHeader, r io.Reader) error {
	if len(ph.Path) < packet.IDLen {
		return refused("ACK path shorter than a packet id")
	}
	// A receipt's body is small; more than that is not one, but the
	// packet is still read to its verified end.
	body, err := io.ReadAll(io.LimitReader(r, receiptMax+1))
	if err != nil {
		return err
	}
	if err := drain(r); err != nil {
		return err
	}
	id := packet.ID(ph.Path[:packet.IDLen])
	if t.opt.DryRun {
		return nil
	}
	if err := t.sp.Remove(o.id, spool.TX, id); err != nil {
		return err
	}
	t.settle(o, id, body)
	return nil
}
