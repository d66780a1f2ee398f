package main

import (
	"fmt"

	"github.com/ferry-dtn/ferry/packet"
)

// printStatNNCP prints nncp-stat's layout: every configured node by
// name (queued or not), its packets with -pkt, then one line per
// niceness with the rx and tx totals.
func printStatNNCP(e *localNode, stats []nodeStat) {
	for _, s := range stats {
		if _, ok := e.c.Neigh[s.Node]; !ok {
			continue // on disk but not configured: NNCP lists the config's nodes
		}
		fmt.Fprintln(e.Stdout, s.Node)
		for _, p := range s.Packets {
			fmt.Fprintf(e.Stdout, "\t%s %s %s (nice: %s)\n", p.XX, p.ID, iBytes(p.Size), packet.NiceString(p.Nice))
		}
		if s.Part > 0 {
			fmt.Fprintf(e.Stdout, "\tpart: %10s, %3d pkts\n", iBytes(s.PartSize), s.Part)
		}
		rx, tx := map[uint8]niceStat{}, map[uint8]niceStat{}
		for _, n := range s.Rx {
			rx[n.Nice] = n
		}
		for _, n := range s.Tx {
			tx[n.Nice] = n
		}
		for nice := 1; nice <= 255; nice++ {
			r, rok := rx[uint8(nice)]
			t, tok := tx[uint8(nice)]
			if !rok && !tok {
				continue
			}
			fmt.Fprintf(e.Stdout, "\tnice:%4s | Rx: %10s, %3d pkts | Tx: %10s, %3d pkts\n",
				packet.NiceString(uint8(nice)), iBytes(r.Size), r.Count, iBytes(t.Size), t.Count)
		}
		if s.Nock > 0 {
			fmt.Fprintf(e.Stdout, "\tnock: %10s, %3d pkts\n", iBytes(s.NockSize), s.Nock)
		}
	}
}

// iBytes renders a size in binary units as NNCP's output does: "512 B",
// "1.5 KiB", "12 MiB".
func iBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, units := float64(n), []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[i])
	}
	return fmt.Sprintf("%.0f %s", f, units[i])
}
