package cfg

import (
	"slices"
	"strconv"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Failover routes, ferry's own keys (NNCP ignores both):
//
//	neigh.NAME.ferry-via-alt: [["carol"], ["erin", "carol"], []]
//	neigh.NAME.ferry-failover: "6h"
//
// A message to NAME goes over via first; when no receipt comes within
// ferry-failover, the sender re-wraps the same inner packet for the next
// route of ferry-via-alt, and so on, each route once. Each route is a
// list of relays read like via (first hop first; [] is direct). Only a
// ferry destination sends receipts, so the keys need ferry: true: over
// a plain NNCP destination every message would take every route.

// DefaultFailover is how long a message waits for its receipt on one
// route before the next is tried, when ferry-failover is not given.
const DefaultFailover = 24 * time.Hour

func (c *Config) buildFailover(name string, r *rawNode) error {
	n := c.Neigh[name]
	p := "neigh." + name + "."
	if r.Failover != nil {
		d, err := time.ParseDuration(*r.Failover)
		if err != nil || d <= 0 {
			return fieldErr(p+"ferry-failover", "want a positive duration such as 6h, not %q", *r.Failover)
		}
		n.Failover = d
	}
	if len(r.ViaAlt) == 0 {
		if r.Failover != nil {
			return fieldErr(p+"ferry-failover", "without ferry-via-alt there is no route to fail over to")
		}
		return nil
	}
	if name == "self" {
		return fieldErr(p+"ferry-via-alt", "self is not reached over routes")
	}
	if !n.Ferry {
		return fieldErr(p+"ferry-via-alt", "needs ferry: true: failover waits for receipts, and only a ferry destination sends them")
	}
	if n.Failover == 0 {
		n.Failover = DefaultFailover
	}
	routes := [][]packet.ID{n.Via}
	for i, names := range r.ViaAlt {
		ap := p + "ferry-via-alt[" + strconv.Itoa(i) + "]"
		if len(names) > MaxVia {
			return fieldErr(ap, "%d relays, more than the %d a route may have", len(names), MaxVia)
		}
		route := []packet.ID{}
		for j, v := range names {
			hp := ap + "[" + strconv.Itoa(j) + "]"
			h, err := c.FindNode(v)
			switch {
			case err != nil:
				return fieldErr(hp, "unknown node %q", v)
			case h.Name == "self" || (c.Self != nil && h.ID == c.Self.ID):
				return fieldErr(hp, "%s is this node itself: a route cannot pass through us", v)
			case h.ID == n.ID:
				return fieldErr(hp, "%s is the destination itself", v)
			case slices.Contains(route, h.ID):
				return fieldErr(hp, "%s appears twice in the route", h.Name)
			}
			route = append(route, h.ID)
		}
		for k, prev := range routes {
			if slices.Equal(prev, route) {
				what := "via"
				if k > 0 {
					what = "ferry-via-alt[" + strconv.Itoa(k-1) + "]"
				}
				return fieldErr(ap, "the same route as %s: failing over to it changes nothing", what)
			}
		}
		routes = append(routes, route)
		n.ViaAlt = append(n.ViaAlt, route)
	}
	return nil
}

// Routes returns every route to the node in the order failover tries
// them: Via, then each of ViaAlt. Each lists the relays only.
func (n *Node) Routes() [][]packet.ID {
	return append([][]packet.ID{n.Via}, n.ViaAlt...)
}
