package cfg

import (
	"fmt"

	"github.com/ferry-dtn/ferry/packet"
)

// FindNode finds a neighbour by name or by base32 id.
func (c *Config) FindNode(nameOrID string) (*Node, error) {
	if n, ok := c.Neigh[nameOrID]; ok {
		return n, nil
	}
	if id, err := packet.ParseID(nameOrID); err == nil {
		if n, ok := c.ByID[id]; ok {
			return n, nil
		}
	}
	return nil, fmt.Errorf("unknown node %q", nameOrID)
}

// FindArea finds an area by name or by base32 id.
func (c *Config) FindArea(nameOrID string) (*Area, error) {
	if a, ok := c.Areas[nameOrID]; ok {
		return a, nil
	}
	if id, err := packet.ParseID(nameOrID); err == nil {
		if a, ok := c.AreaByID[id]; ok {
			return a, nil
		}
	}
	return nil, fmt.Errorf("unknown area %q", nameOrID)
}

// NodeName names an id for people: the neighbour's name when known.
func (c *Config) NodeName(id packet.ID) string {
	if n, ok := c.ByID[id]; ok {
		return n.Name
	}
	if a, ok := c.AreaByID[id]; ok {
		return "area:" + a.Name
	}
	return id.String()
}

// Lookup adapts the config to packet.NewReader's sender lookup.
func (c *Config) Lookup(id packet.ID) (packet.Peer, bool) {
	n, ok := c.ByID[id]
	if !ok {
		return packet.Peer{}, false
	}
	return n.Peer(), true
}
