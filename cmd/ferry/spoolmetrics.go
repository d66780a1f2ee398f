package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// spoolMetrics adds the spool's gauges to m: per node and direction the
// queued packets, their bytes and the age of the oldest; per node the
// .part and .nock files and what lies in bad/; the spool filesystem's
// free space and the reserve; the quotas against what the queues hold.
// A queue is listed by name with one lstat a file (spool.Summary), so a
// scrape reads no packet and writes no index, and its summary is kept
// while its directory is unchanged: in the daemon, a scrape of a quiet
// spool costs a stat per directory, whatever the packets.
func spoolMetrics(m *metricSet, sp *spool.Spool, c *cfg.Config, now time.Time) error {
	ids, err := metricNodes(sp, c)
	if err != nil {
		return err
	}
	for _, id := range ids {
		node := c.NodeName(id)
		for _, xx := range []spool.XX{spool.RX, spool.TX} {
			q, err := sp.Summary(id, xx)
			if err != nil {
				return fmt.Errorf("metrics of %s/%s: %w", node, xx, err)
			}
			age := 0.0
			if !q.Oldest.IsZero() {
				age = max(0, now.Sub(q.Oldest).Seconds())
			}
			l := []string{"node", node, "direction", string(xx)}
			m.add("ferry_queue_packets", gauge, "Packets queued, by node and direction.", float64(q.Packets), l...)
			m.add("ferry_queue_bytes", gauge, "Bytes of the packets queued, by node and direction.", float64(q.Bytes), l...)
			m.add("ferry_queue_oldest_packet_age_seconds", gauge, "Age of the oldest queued packet (0: none), by node and direction.", age, l...)
			bad, err := sp.BadSummary(id, xx)
			if err != nil {
				return fmt.Errorf("metrics of %s/%s/bad: %w", node, xx, err)
			}
			m.add("ferry_queue_bad_files", gauge, "Files set aside in bad/, never to be processed, by node and direction.", float64(bad.Packets), l...)
		}
		parts, err := sp.PartialCount(id)
		if err != nil {
			return fmt.Errorf("metrics of %s/rx: %w", node, err)
		}
		m.add("ferry_partial_files", gauge, "Unfinished downloads (.part) and downloads awaiting their checksum (.nock), by node.", float64(parts.Part), "node", node, "kind", "part")
		m.add("ferry_partial_files", gauge, "", float64(parts.Nock), "node", node, "kind", "nock")
	}
	if err := quotaMetrics(m, sp, c, ids); err != nil {
		return err
	}
	space, err := sp.Free(packet.ID{})
	if err != nil {
		return err
	}
	m.add("ferry_spool_free_bytes", gauge, "Free space of the spool's filesystem, for unprivileged writers.", float64(space.Avail))
	m.add("ferry_spool_size_bytes", gauge, "Size of the spool's filesystem.", float64(space.Total))
	m.add("ferry_spool_reserve_bytes", gauge, "Free space ferry keeps on the spool's filesystem (ferry-reserve): calls take no packet that would go below it.", float64(c.Reserve.Of(space.Total)))
	return nil
}

// metricNodes is every neighbour, then any other node with a directory
// in the spool: a dashboard sees a neighbour's zeros, and a stranger's
// queue too.
func metricNodes(sp *spool.Spool, c *cfg.Config) ([]packet.ID, error) {
	seen := map[packet.ID]bool{}
	var ids []packet.ID
	for _, name := range sortedNeigh(c) {
		if id := c.Neigh[name].ID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	onDisk, err := sp.Nodes()
	if err != nil {
		return nil, err
	}
	for _, id := range onDisk {
		if !seen[id] && (c.Self == nil || id != c.Self.ID) {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// writeSpoolMetrics is stat --metrics: the spool's gauges, in the text format.
func writeSpoolMetrics(w io.Writer, e *localNode) error {
	var m metricSet
	if err := spoolMetrics(&m, e.sp, e.c, time.Now()); err != nil {
		return err
	}
	return m.write(w)
}
