package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// Exit statuses of `ferry track --wait` beyond 0 (every message
// delivered): 1 when one failed or expired, 3 when the timeout passed
// with one still on its way.
const exitStillPending = 3

// trackJSON is one message in `ferry track --json`.
type trackJSON struct {
	ID      string    `json:"id"`
	Final   string    `json:"final"`
	Node    string    `json:"node"`
	Route   []string  `json:"route"`
	Kind    string    `json:"kind"`
	What    string    `json:"what,omitempty"`
	Size    int64     `json:"size"`
	State   string    `json:"state"`
	Reason  string    `json:"reason"`
	Status  *int      `json:"status,omitempty"`
	Hop     string    `json:"hop,omitempty"`
	Queued  time.Time `json:"queued"`
	Sent    time.Time `json:"sent,omitzero"`
	Done    time.Time `json:"done,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	// DeliveredVia is the route that brought it (its relays; [] when
	// direct), known once a receipt says so; see trackfailover.go.
	DeliveredVia *[]string     `json:"delivered_via,omitempty"`
	Failover     *failoverJSON `json:"failover,omitempty"`
}

// trackExit carries --wait's verdict to report().
type trackExit struct {
	code int
	msg  string
}

func (e *trackExit) Error() string { return e.msg }

func runTrack(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--json] [--wait [--timeout DURATION]] [--prune AGE] [ID...]")
	g.takesArgs(0, -1)
	asJSON := fs.Bool("json", false, "print a JSON array")
	wait := fs.Bool("wait", false, "wait until every given message is delivered, failed or expired")
	timeout := fs.Duration("timeout", 0, "with --wait: give up after `DURATION` (0: wait for ever)")
	poll := fs.Duration("poll", time.Second, "with --wait: look again every `DURATION`")
	prune := fs.Duration("prune", spool.TrackKeep, "drop records settled longer than `AGE` ago")
	if err := g.parse(args); err != nil {
		return err
	}
	if *wait && fs.NArg() == 0 {
		return usageErrorf("--wait needs the ids of the messages to wait for")
	}
	if *poll <= 0 {
		return usageErrorf("--poll must be positive")
	}
	var ids []packet.ID
	for _, a := range fs.Args() {
		id, err := packet.ParseID(a)
		if err != nil {
			return usageErrorf("%q is not a packet id: %v", a, err)
		}
		ids = append(ids, id)
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	var deadline <-chan time.Time
	if *timeout > 0 {
		tm := time.NewTimer(*timeout)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		gone, err := e.sp.Expire(time.Now(), *prune)
		if err != nil {
			return fmt.Errorf("track: %w", err)
		}
		for _, x := range gone {
			toss.LogExpired(e.log, e.c, x)
		}
		if _, err := toss.Failover(ctx, e.sp, e.c, toss.FailoverOptions{Log: e.log}); err != nil {
			return fmt.Errorf("track: %w", err)
		}
		recs, err := e.sp.Tracked(ids)
		if err != nil {
			return withHint(err, "ferry track without ids lists every message this node still tracks")
		}
		pending, failed := 0, 0
		for _, r := range recs {
			switch r.State {
			case spool.TrackDelivered:
			case spool.TrackFailed, spool.TrackExpired:
				failed++
			default:
				pending++
			}
		}
		if !*wait || pending == 0 {
			if err := printTrack(e, recs, *asJSON); err != nil {
				return err
			}
			if *wait && failed > 0 {
				return &trackExit{exitFailure, fmt.Sprintf("track: %d of %d messages failed or expired", failed, len(recs))}
			}
			return nil
		}
		t := time.NewTimer(*poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-deadline:
			t.Stop()
			if err := printTrack(e, recs, *asJSON); err != nil {
				return err
			}
			return &trackExit{exitStillPending, fmt.Sprintf("track: %d of %d messages still on their way after %s", pending, len(recs), *timeout)}
		case <-t.C:
		}
	}
}

func printTrack(e *localNode, recs []spool.TrackRecord, asJSON bool) error {
	if asJSON {
		out := make([]trackJSON, 0, len(recs))
		for _, r := range recs {
			route := make([]string, len(r.Route))
			for i, h := range r.Route {
				route[i] = e.c.NodeName(h)
			}
			j := trackJSON{ID: r.ID.String(), Final: r.Final.String(), Node: e.c.NodeName(r.Node),
				Route: route, Kind: r.Kind, What: r.What, Size: r.Size, State: string(r.State), Reason: r.Reason,
				Status: r.Status, Hop: r.Hop, Queued: r.Queued, Sent: r.Sent, Done: r.Done, Expires: r.Expires,
				Failover: newFailoverJSON(e, r.Failover)}
			if relays, ok := deliveredRoute(e.sp.Self, &r); ok {
				names := e.names(relays)
				j.DeliveredVia = &names
			}
			out = append(out, j)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("track --json: %w", err)
		}
		fmt.Fprintln(e.Stdout, string(b))
		return nil
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	if _, err := fmt.Fprintln(w, "ID\tNODE\tKIND\tSTATE\tWHEN\tHOP\tROUTE\tREASON"); err != nil {
		return err
	}
	for _, r := range recs {
		when := r.Queued
		switch {
		case !r.Done.IsZero():
			when = r.Done
		case !r.Sent.IsZero():
			when = r.Sent
		}
		hop := "-"
		if len(r.Route) > 0 && r.Hop != "" {
			hop = fmt.Sprintf("%s to %s", r.Hop, e.c.NodeName(r.Route[0]))
		}
		reason := r.Reason
		if r.Status != nil {
			reason = strings.TrimSpace(fmt.Sprintf("exit %d %s", *r.Status, reason))
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, e.c.NodeName(r.Node), r.Kind, r.State,
			when.UTC().Format(time.RFC3339), hop, routeText(e, &r), reason); err != nil {
			return err
		}
	}
	return w.Flush()
}
