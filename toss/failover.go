package toss

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// FailoverOptions shape one failover pass.
type FailoverOptions struct {
	Now time.Time    // the pass's clock (zero: time.Now())
	Log *slog.Logger // nil: discard
}

// FailoverResult counts what a pass did.
type FailoverResult struct {
	Rewrapped int // messages re-wrapped for their next route
	Withdrawn int // older copies removed from our tx before they left
	Exhausted int // messages that tried every route: kept packet dropped
	Swept     int // kept packets no record wanted
	Failed    int // messages that could not be re-wrapped (retried next pass)
}

// Failover re-wraps, for its next route, the kept inner packet of every
// message whose current route's wait passed without a receipt (see
// spool.Failover), drops the kept packet of those that tried every
// route, and sweeps kept packets no record wants. Each toss runs it (so
// do toss --cycle and the autotoss of calls), and so does ferry track.
func Failover(ctx context.Context, sp *spool.Spool, c *cfg.Config, opt FailoverOptions) (FailoverResult, error) {
	var res FailoverResult
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	if c.Self == nil {
		return res, cfg.ErrNoPrivateKeys
	}
	due, err := sp.FailoversDue(now)
	if err != nil {
		return res, fmt.Errorf("failover: %w", err)
	}
	q := &outbox.Outbox{Spool: sp, Cfg: c}
	for _, r := range due {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if cur := r.Failover.Copies[len(r.Failover.Copies)-1]; cur.Sent.IsZero() && !sp.Has(cur.Queue, spool.TX, cur.ID) {
			// Not sent, yet gone from our queue: removed (ferry rm, a
			// policy). Sending it again over another route would undo that.
			if _, err := sp.Exhausted(r.ID); err != nil {
				res.Failed++
				log.Error("kept packet of a removed message not dropped", "who", "tx-failover",
					"node", c.NodeName(r.Node), "pkt", r.ID.String(), "err", err)
				continue
			}
			res.Exhausted++
			log.Info("message's packet was removed from the queue here; no failover, its kept packet is dropped",
				"who", "tx-failover", "node", c.NodeName(r.Node), "pkt", r.ID.String(), "copy", cur.ID.String())
			continue
		}
		if _, next := r.FailoverDue(now); !next {
			if _, err := sp.Exhausted(r.ID); err != nil {
				res.Failed++
				log.Error("kept packet of a message that tried every route not dropped", "who", "tx-failover",
					"node", c.NodeName(r.Node), "pkt", r.ID.String(), "err", err)
				continue
			}
			res.Exhausted++
			log.Warn("message tried every route without a receipt; its kept packet is dropped", "who", "tx-failover",
				"node", c.NodeName(r.Node), "pkt", r.ID.String(), "routes", len(r.Failover.Routes))
			continue
		}
		err := rewrap(ctx, sp, q, c, r, now, log, &res)
		if errors.Is(err, errRouteGone) {
			// A config change, not a passing failure: retrying every
			// toss would not help, so the failover ends here.
			if _, xerr := sp.Exhausted(r.ID); xerr != nil {
				err = errors.Join(err, xerr)
			} else {
				res.Exhausted++
				log.Warn("message not failed over: its next route is gone from the config; its kept packet is dropped",
					"who", "tx-failover", "node", c.NodeName(r.Node), "pkt", r.ID.String(), "err", err)
				continue
			}
		}
		if err != nil {
			res.Failed++
			log.Error("message not re-wrapped for its next route; tried again by the next toss", "who", "tx-failover",
				"node", c.NodeName(r.Node), "pkt", r.ID.String(), "err", err)
		}
	}
	swept, err := sp.SweepKept(now)
	for _, f := range swept {
		res.Swept++
		log.Info("kept packet no message wants removed", "who", "tx-failover", "pkt", f.ID.String(), "size", f.Size)
	}
	if err != nil {
		return res, fmt.Errorf("failover: sweep kept packets: %w", err)
	}
	return res, nil
}

// errRouteGone is a next route naming a node the config no longer has.
var errRouteGone = errors.New("not in the config any more")

func rewrap(ctx context.Context, sp *spool.Spool, q *outbox.Outbox, c *cfg.Config, r spool.TrackRecord, now time.Time,
	log *slog.Logger, res *FailoverResult) error {
	dest := c.ByID[r.Node]
	if dest == nil {
		return fmt.Errorf("%w: destination %s", errRouteGone, r.Node)
	}
	next := r.Failover.Current + 1
	relays := r.Failover.Routes[next]
	for _, h := range relays {
		if c.ByID[h] == nil {
			return fmt.Errorf("%w: relay %s of route %d", errRouteGone, h, next)
		}
	}
	cp, err := q.Rewrap(ctx, dest, r.Final, relays)
	if err != nil {
		return err
	}
	after, err := sp.Rerouted(r.ID, spool.RouteCopy{Route: next, ID: cp.ID, Queue: cp.Node, Queued: now})
	if err != nil {
		// Unrecorded, the copy would leave without the record knowing:
		// the next pass makes it again.
		return errors.Join(err, sp.Remove(cp.Node, spool.TX, cp.ID))
	}
	if after.Failover.Current != next {
		log.Info("message settled while it was re-wrapped; the new copy is removed", "who", "tx-failover",
			"node", dest.Name, "pkt", r.ID.String())
		return nil
	}
	res.Rewrapped++
	log.Warn("no receipt within "+r.Failover.Wait.String()+"; message re-wrapped for its next route", "who", "tx-failover",
		"node", dest.Name, "pkt", r.ID.String(), "route", RouteNames(c, relays), "copy", cp.ID.String())
	for _, w := range after.Failover.Cleared {
		res.Withdrawn++
		log.Info("copy for the route given up withdrawn from the queue", "who", "tx-failover",
			"node", c.NodeName(w.Queue), "pkt", w.ID.String(), "msg", r.ID.String())
	}
	return nil
}

// RouteNames is a route's relays by name, "direct" for none.
func RouteNames(c *cfg.Config, relays []packet.ID) string {
	if len(relays) == 0 {
		return "direct"
	}
	names := make([]string, len(relays))
	for i, h := range relays {
		names[i] = c.NodeName(h)
	}
	return strings.Join(names, ",")
}

// failover is the pass each toss makes after expiring messages.
func (t *Tosser) failover() {
	res, err := Failover(t.ctx, t.sp, t.c, FailoverOptions{Log: t.log})
	if err != nil {
		t.log.Warn("tracking records not swept for failover", "who", "tx-failover", "err", err)
	}
	t.res.Failed += res.Failed
}

// settledFailover logs what settling a message that may have failed over
// removed: its copies still queued here (the kept packet goes silently).
func (t *Tosser) settledFailover(r *spool.TrackRecord) {
	for _, c := range r.Failover.Cleared {
		t.log.Info("settled message's copy removed from the queue", "who", "rx-ack", "node", t.c.NodeName(c.Queue),
			"pkt", c.ID.String(), "msg", r.ID.String())
	}
}
