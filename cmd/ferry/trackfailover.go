package main

import (
	"context"
	"slices"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// failoverJSON is the "failover" object of `ferry track --json`, for a
// message to a node with alternative routes.
type failoverJSON struct {
	Wait      string     `json:"wait"`
	Routes    [][]string `json:"routes"` // the relays of each route, in the order tried
	Current   int        `json:"current"`
	Kept      bool       `json:"kept"`
	Exhausted bool       `json:"exhausted"`
	Copies    []copyJSON `json:"copies"`
}

type copyJSON struct {
	ID        string    `json:"id"`
	Route     int       `json:"route"`
	Queue     string    `json:"queue"`
	Queued    time.Time `json:"queued"`
	Sent      time.Time `json:"sent,omitzero"`
	Hop       string    `json:"hop,omitempty"`
	Withdrawn bool      `json:"withdrawn"`
}

func (e *localNode) names(ids []packet.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.c.NodeName(id)
	}
	return out
}

func newFailoverJSON(e *localNode, f *spool.Failover) *failoverJSON {
	if f == nil {
		return nil
	}
	out := &failoverJSON{Wait: f.Wait.String(), Current: f.Current, Kept: f.Kept, Exhausted: f.Exhausted}
	for _, r := range f.Routes {
		out.Routes = append(out.Routes, e.names(r))
	}
	for _, c := range f.Copies {
		out.Copies = append(out.Copies, copyJSON{ID: c.ID.String(), Route: c.Route, Queue: e.c.NodeName(c.Queue),
			Queued: c.Queued, Sent: c.Sent, Hop: c.How, Withdrawn: c.Withdrawn})
	}
	return out
}

// deliveredRoute is the route that brought a settled message: the one
// whose last relay (or, direct, this node) the destination's receipt
// names as the node it had the packet from. ok is false when the
// receipt said nothing, or named a node that ends none of the routes
// (a relay that routed it on its own way).
func deliveredRoute(self packet.ID, r *spool.TrackRecord) (relays []packet.ID, ok bool) {
	f := r.Failover
	if f == nil || f.Via.IsZero() {
		return nil, false
	}
	for _, c := range f.Copies {
		route := f.Routes[c.Route]
		if (len(route) == 0 && f.Via == self) || (len(route) > 0 && route[len(route)-1] == f.Via) {
			return slices.Clone(route), true
		}
	}
	return nil, false
}

// routeText is the ROUTE column: the relays of the route that delivered
// the message if known, else of the route it now takes.
func routeText(e *localNode, r *spool.TrackRecord) string {
	if relays, ok := deliveredRoute(e.sp.Self, r); ok {
		return toss.RouteNames(e.c, relays)
	}
	if len(r.Route) == 0 {
		return "-"
	}
	return toss.RouteNames(e.c, r.Route[:len(r.Route)-1])
}

// failoverPass is the failover pass the daemon and the caller make
// beside their age passes (call.AgeKeeper.Also), on the keeper's clock.
func failoverPass(e *localNode) func(ctx context.Context, now time.Time) {
	return func(ctx context.Context, now time.Time) {
		if _, err := toss.Failover(ctx, e.sp, e.c, toss.FailoverOptions{Now: now, Log: e.log}); err != nil && ctx.Err() == nil {
			e.log.Error("failover pass failed", "who", "tx-failover", "err", err)
		}
	}
}
