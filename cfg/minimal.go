package cfg

import (
	"encoding/json"

	"github.com/ferry-dtn/ferry/packet"
)

// Minimal renders the config without any private key: spool, log, the
// neighbours' public keys and routes, and the areas' public parts. It
// suits hosts that only carry media (ferry xfer, ferry bundle) and what
// you hand to neighbours. JSON is valid Hjson.
func Minimal(c *Config) string {
	b32 := func(b []byte) string { return packet.B32.EncodeToString(b) }
	neigh := map[string]any{}
	for name, n := range c.Neigh {
		m := map[string]any{
			"id":      n.ID.String(),
			"exchpub": b32(n.ExchPub[:]),
			"signpub": b32(n.SignPub),
		}
		if n.NoisePub != nil {
			m["noisepub"] = b32(n.NoisePub[:])
		}
		if len(n.Via) > 0 {
			var via []string
			for _, v := range n.Via {
				via = append(via, c.NodeName(v))
			}
			m["via"] = via
		}
		neigh[name] = m
	}
	out := map[string]any{"spool": c.Spool, "log": c.Log, "neigh": neigh}
	if len(c.Areas) > 0 {
		areas := map[string]any{}
		for name, a := range c.Areas {
			m := map[string]any{"id": a.ID.String()}
			if a.Pub != nil {
				m["pub"] = b32(a.Pub[:])
			}
			areas[name] = m
		}
		out["areas"] = areas
	}
	js, _ := json.MarshalIndent(out, "", "  ")
	return string(js) + "\n"
}
