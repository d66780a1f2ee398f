package cfg

import (
	"strconv"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
)

// MaxVia is the longest route (relays before the destination) a config
// may give. Every relay wraps the packet once more, and each layer costs
// at least a whole minimal packet (packet.MinPacketSize, 480 bytes: the
// encrypted header, the plain trns header, the SIZE block and one tag),
// so the smallest packet there is, an ACK, grows to 480*(hops+1) bytes.
// With 128 relays that is 61,920 bytes: it still travels in one SP FILE
// message (65,280 payload bytes at most, less its hash and offset, which
// caps the route at 134 relays) and in one 128 KiB encryption block of
// the first hop's packet. The sender also keeps one open layer with its
// block buffers per relay: at 128 relays `ferry file` peaks at about
// 28 MiB, where 100,000 relays took 14 GiB. No real route comes near it.
const MaxVia = 128

// checkRoutes refuses routes that can never deliver: too long, through
// this node itself, through the destination, through one relay twice,
// or part of a via loop. It runs once every node is known.
func (c *Config) checkRoutes(names []string) error {
	self := map[packet.ID]bool{c.Neigh["self"].ID: true}
	if c.Self != nil {
		self[c.Self.ID] = true
	}
	for _, name := range names {
		n := c.Neigh[name]
		seen := map[packet.ID]int{}
		for i, id := range n.Via {
			p := viaPath(name, i)
			v := c.ByID[id]
			switch j, twice := seen[id]; {
			case self[id] && name != "self":
				return fieldErr(p, "%s is this node itself: a route cannot pass through us", v.Name)
			case id == n.ID:
				return fieldErr(p, "%s is the destination itself", v.Name)
			case twice:
				return fieldErr(p, "%s appears twice in the route (also via[%d]): a via loop", v.Name, j)
			}
			seen[id] = i
		}
	}
	return c.checkViaLoops(names)
}

// checkViaLoops refuses via chains that come back. A node with a via is
// reached only after each node on its via is reached; if following those
// lists leads back to where it started, no node on the circle is ever
// reached first, and a packet to any of them could never be delivered
// (an expansion of the routes would never end). A depth-first walk over
// "needs" edges finds such a circle as an edge back into the walk.
func (c *Config) checkViaLoops(names []string) error {
	const (
		unseen = iota
		walking
		done
	)
	state := map[packet.ID]int{}
	var stack []string
	var walk func(name string) error
	walk = func(name string) error {
		n := c.Neigh[name]
		state[n.ID] = walking
		stack = append(stack, name)
		for i, id := range n.Via {
			v := c.ByID[id]
			switch state[id] {
			case walking:
				start := 0
				for k, s := range stack {
					if s == v.Name {
						start = k
					}
				}
				circle := append(append([]string(nil), stack[start:]...), v.Name)
				return fieldErr(viaPath(name, i), "via loop %s: each is reached only through the next, so none ever is",
					strings.Join(circle, " -> "))
			case unseen:
				if err := walk(v.Name); err != nil {
					return err
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n.ID] = done
		return nil
	}
	for _, name := range names {
		if state[c.Neigh[name].ID] == unseen {
			if err := walk(name); err != nil {
				return err
			}
		}
	}
	return nil
}

func viaPath(name string, i int) string {
	return "neigh." + name + ".via[" + strconv.Itoa(i) + "]"
}
