package toss

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// A receipt is an ordinary ACK packet (type 7) from the destination to
// the origin, naming the packet the destination tossed: encrypted for the
// origin and signed by the destination, so the packet layer already
// proves who sent it, and routed over the destination's own route like
// any packet. To an origin the config marks as ferry (neigh.NAME.ferry)
// the ACK carries a small body saying what happened; to any other origin
// only the plain ACK of a delivered packet is sent, and only with
// --gen-ack (NNCP 8.9's meaning of an ACK). See ferry-receipts(7).
//
// Body, at most receiptMax bytes, lines ending in \n:
//
//	ferry-receipt/1
//	delivered | refused
//	status N            (optional: an exec's exit status)
//	reason TEXT         (optional, refused only; one line)
//	via NODE            (optional: the node the packet came from, the
//	                     last relay; the origin tells which route
//	                     delivered a message that failed over)

const (
	receiptMagic = "ferry-receipt/1"
	receiptMax   = 512
	reasonMax    = 400
)

// receiptBody is what a receipt says.
type receiptBody struct {
	Delivered bool
	Status    *int
	Reason    string
	Via       packet.ID // zero: not said
}

func (b receiptBody) encode() []byte {
	var w bytes.Buffer
	w.WriteString(receiptMagic + "\n")
	if b.Delivered {
		w.WriteString("delivered\n")
	} else {
		w.WriteString("refused\n")
	}
	if b.Status != nil {
		fmt.Fprintf(&w, "status %d\n", *b.Status)
	}
	if r := oneLine(b.Reason); r != "" && !b.Delivered {
		w.WriteString("reason " + r + "\n")
	}
	if !b.Via.IsZero() {
		w.WriteString("via " + b.Via.String() + "\n")
	}
	return w.Bytes()
}

// oneLine makes a reason fit one line of the body.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > reasonMax {
		s = strings.ToValidUTF8(s[:reasonMax], "")
	}
	return strings.TrimSpace(s)
}

var errNotReceipt = errors.New("not a ferry receipt")

// parseReceipt reads an ACK's body. An empty body is a plain ACK: the
// packet was delivered.
func parseReceipt(b []byte) (receiptBody, error) {
	if len(b) == 0 {
		return receiptBody{Delivered: true}, nil
	}
	if len(b) > receiptMax || b[len(b)-1] != '\n' {
		return receiptBody{}, errNotReceipt
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines) < 2 || lines[0] != receiptMagic {
		return receiptBody{}, errNotReceipt
	}
	var out receiptBody
	switch lines[1] {
	case "delivered":
		out.Delivered = true
	case "refused":
	default:
		return receiptBody{}, errNotReceipt
	}
	seen := map[string]bool{}
	for _, l := range lines[2:] {
		k, v, _ := strings.Cut(l, " ")
		if seen[k] {
			return receiptBody{}, errNotReceipt
		}
		seen[k] = true
		switch k {
		case "status":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != v {
				return receiptBody{}, errNotReceipt
			}
			out.Status = &n
		case "reason":
			if out.Delivered || v == "" || oneLine(v) != v {
				return receiptBody{}, errNotReceipt
			}
			out.Reason = v
		case "via":
			id, err := packet.ParseID(v)
			if err != nil || id.String() != v {
				return receiptBody{}, errNotReceipt
			}
			out.Via = id
		default:
			// Later versions may add lines: an unknown one is skipped.
		}
	}
	return out, nil
}

// wantsReceipt reports whether a tossed packet of type ty from sender is
// one whose origin hears back: never for ACKs (receipts are ACKs: no
// loops), transit packets (the destination answers, not a relay), area
// messages or our own packets.
func (t *Tosser) wantsReceipt(o *origin, ty packet.Type) bool {
	if o.selfTx || o.area != nil || o.node == nil || o.node.Name == "self" {
		return false
	}
	switch ty {
	case packet.TypeFile, packet.TypeFreq, packet.TypeExec, packet.TypeExecFat:
		return true
	}
	return false
}

// sendReceipt queues the receipt for the packet o names. A ferry origin
// always gets one; a plain NNCP origin gets the plain ACK of a delivered
// packet with --gen-ack only.
func (t *Tosser) sendReceipt(o *origin, ty packet.Type, b receiptBody) error {
	if t.opt.DryRun || !t.wantsReceipt(o, ty) {
		return nil
	}
	b.Via = o.dir // who handed us the packet: the last relay, or the origin
	body := b.encode()
	if !o.node.Ferry {
		if !b.Delivered || !t.opt.GenACK {
			return nil
		}
		body = nil
	}
	q, err := t.q.Receipt(t.ctx, o.node, o.pktID, body, outbox.Options{Nice: packet.NiceNormal})
	if err != nil {
		return fmt.Errorf("queue receipt for %s: %w", o.pktID, err)
	}
	t.log.Info("receipt queued", "who", "rx", "node", o.name, "pkt", o.pktID.String(), "receipt", q.ID.String(),
		"delivered", b.Delivered)
	return nil
}

// settle applies a receipt that reached us, the origin.
func (t *Tosser) settle(o *origin, id packet.ID, body []byte) {
	if o.node == nil {
		return
	}
	b, err := parseReceipt(body)
	if err != nil {
		t.log.Warn("ACK with a body that is not a receipt; taken as a plain ACK", "who", "rx-ack", "node", o.name,
			"pkt", o.pktID.String(), "err", err)
		b = receiptBody{Delivered: true}
	}
	r, err := t.sp.Settle(spool.Receipt{From: o.node.ID, Final: id, Delivered: b.Delivered, Reason: b.Reason,
		Status: b.Status, At: time.Now(), Via: b.Via})
	if err != nil {
		t.log.Warn("receipt not recorded", "who", "rx-ack", "node", o.name, "pkt", id.String(), "err", err)
		return
	}
	if r == nil {
		return
	}
	t.log.Info("message "+string(r.State), "who", "rx-ack", "node", o.name, "pkt", r.ID.String(), "reason", r.Reason)
	if r.Failover != nil {
		t.settledFailover(r)
		return
	}
	// A copy kept for a carrier (xfer --keep, bundle without --delete)
	// has reached its destination: the receipt is its confirmation,
	// through relays too, where the ACK above names an inner layer.
	if len(r.Route) > 0 && t.sp.Has(r.Route[0], spool.TX, r.ID) {
		if err := t.sp.Remove(r.Route[0], spool.TX, r.ID); err != nil {
			t.log.Warn("settled message's kept packet not removed", "who", "rx-ack", "pkt", r.ID.String(), "err", err)
			return
		}
		t.log.Info("settled message's kept packet removed", "who", "rx-ack", "node", t.c.NodeName(r.Route[0]), "pkt", r.ID.String())
	}
}

// delivered is the receipt of a packet tossed without error. An exec
// handler that fails leaves its packet to be retried, so one that got
// here exited 0, unless it ran before an interruption and its status was
// lost (statusUnknown): then the receipt says delivered without one.
func delivered(ty packet.Type, statusUnknown bool) receiptBody {
	b := receiptBody{Delivered: true}
	if isExec(ty) && !statusUnknown {
		zero := 0
		b.Status = &zero
	}
	return b
}

// expire gives up on our messages whose lifetime ended without a
// receipt, removing those still queued here, and prunes old records.
func (t *Tosser) expire() {
	gone, err := t.sp.Expire(time.Now(), spool.TrackKeep)
	if err != nil {
		t.log.Warn("tracking records not swept for expired messages", "who", "tx", "err", err)
	}
	for _, e := range gone {
		LogExpired(t.log, t.c, e)
	}
}

// LogExpired writes the one line an expired message gets.
func LogExpired(log *slog.Logger, c *cfg.Config, e spool.Expired) {
	if e.Removed {
		log.Warn("message expired without a receipt; its packet was still queued here and is removed",
			"who", "tx", "node", c.NodeName(e.Node), "pkt", e.ID.String())
		return
	}
	log.Warn("message expired without a receipt", "who", "tx", "node", c.NodeName(e.Node), "pkt", e.ID.String())
}
