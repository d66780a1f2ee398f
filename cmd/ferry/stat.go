package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

type niceStat struct {
	Nice  uint8 `json:"nice"`
	Count int   `json:"count"`
	Size  int64 `json:"size"`
}

type nodeStat struct {
	Node     string     `json:"node"`
	ID       string     `json:"id"`
	Rx       []niceStat `json:"rx"`
	Tx       []niceStat `json:"tx"`
	Part     int        `json:"part"`
	PartSize int64      `json:"part_size"`
	Nock     int        `json:"nock"`
	NockSize int64      `json:"nock_size"`
	Kept     int        `json:"kept"` // inner packets kept for failover (ferry-via-alt)
	KeptSize int64      `json:"kept_size"`
	Packets  []pktStat  `json:"packets,omitempty"`
}

type pktStat struct {
	XX   string `json:"xx"`
	ID   string `json:"id"`
	Nice uint8  `json:"nice"`
	Size int64  `json:"size"`
}

func runStat(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--node NODE] [--pkt] [--json] [--metrics]")
	node := fs.StringP("node", "n", "", "only `NODE`")
	pkts := fs.Bool("pkt", false, "list every packet")
	asJSON := fs.Bool("json", false, "print JSON")
	metrics := fs.Bool("metrics", false, "print the Prometheus text format, for node_exporter's textfile collector")
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	if *metrics {
		return writeSpoolMetrics(g.Stdout, e)
	}
	var ids []packet.ID
	if *node != "" {
		n, err := e.c.FindNode(*node)
		if err != nil {
			return err
		}
		ids = []packet.ID{n.ID}
	} else {
		seen := map[packet.ID]bool{}
		for _, n := range e.c.Neigh {
			if !seen[n.ID] {
				seen[n.ID] = true
				ids = append(ids, n.ID)
			}
		}
		onDisk, err := e.sp.Nodes()
		if err != nil {
			return err
		}
		for _, id := range onDisk {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	stats := []nodeStat{} // [] in JSON, never null
	var bad []spool.BadFile
	for _, id := range ids {
		s := nodeStat{Node: e.c.NodeName(id), ID: id.String()}
		for _, xx := range []spool.XX{spool.RX, spool.TX} {
			// Counted without a Job per packet (a million of them is
			// a gigabyte); only --pkt walks them.
			tally, b, err := e.sp.Count(id, xx)
			if err != nil {
				return err
			}
			bad = append(bad, b...)
			if *pkts {
				if _, err := e.sp.EachJob(id, xx, func(j spool.Job) bool {
					s.Packets = append(s.Packets, pktStat{string(xx), j.ID.String(), j.Nice, j.Size})
					return true
				}); err != nil {
					return err
				}
			}
			list := []niceStat{} // an empty queue is [] in JSON, as everywhere else
			for nice, t := range tally {
				if t.Packets > 0 {
					list = append(list, niceStat{Nice: uint8(nice), Count: t.Packets, Size: t.Bytes})
				}
			}
			if xx == spool.RX {
				s.Rx = list
			} else {
				s.Tx = list
			}
		}
		parts, err := e.sp.Partials(id)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.Nock {
				s.Nock++
				s.NockSize += p.Size
			} else {
				s.Part++
				s.PartSize += p.Size
			}
		}
		kept, err := e.sp.KeptFiles(id)
		if err != nil {
			return err
		}
		for _, k := range kept {
			s.Kept++
			s.KeptSize += k.Size
		}
		stats = append(stats, s)
	}
	sort.Slice(stats, func(i, k int) bool { return stats[i].Node < stats[k].Node })
	if g.nncp {
		printStatNNCP(e, stats)
		return statBadFiles(g, bad)
	}
	if *asJSON {
		enc := json.NewEncoder(g.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(stats); err != nil {
			return err
		}
		return statBadFiles(g, bad)
	}
	shown := 0
	for _, s := range stats {
		if len(s.Rx)+len(s.Tx)+s.Part+s.Nock+s.Kept == 0 && *node == "" {
			continue
		}
		shown++
		fmt.Fprintln(g.Stdout, s.Node)
		for _, l := range []struct {
			name string
			ns   []niceStat
		}{{"rx", s.Rx}, {"tx", s.Tx}} {
			for _, ns := range l.ns {
				fmt.Fprintf(g.Stdout, "  nice %-5s %s %6d packets %s\n", packet.NiceString(ns.Nice), l.name, ns.Count, humanSize(ns.Size))
			}
		}
		if s.Part > 0 {
			fmt.Fprintf(g.Stdout, "  part        %6d files   %s\n", s.Part, humanSize(s.PartSize))
		}
		if s.Nock > 0 {
			fmt.Fprintf(g.Stdout, "  nock        %6d files   %s\n", s.Nock, humanSize(s.NockSize))
		}
		if s.Kept > 0 {
			fmt.Fprintf(g.Stdout, "  kept        %6d files   %s (for failover)\n", s.Kept, humanSize(s.KeptSize))
		}
		for _, p := range s.Packets {
			fmt.Fprintf(g.Stdout, "  %s %s %-5s %s\n", p.XX, p.ID, packet.NiceString(p.Nice), humanSize(p.Size))
		}
	}
	if shown == 0 {
		// Silence would look like a failure or a wrong --spool.
		fmt.Fprintf(g.Stdout, "nothing queued in %s\n", e.c.Spool)
	}
	return statBadFiles(g, bad)
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, u := float64(n), "KMGTPE"
	i := -1
	for f >= unit && i < len(u)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, u[i])
}
