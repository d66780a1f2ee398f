package main

import (
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// quotaMetrics adds the quotas (ferry-quota) and what each queue holds
// against them: per node and direction the limits set and the usage a
// quota counts (complete packets, .part and .nock files, downloads under
// way in this process), and the same for all nodes together. Without a
// quota in the config nothing is counted and no family appears.
func quotaMetrics(m *metricSet, sp *spool.Spool, c *cfg.Config, ids []packet.ID) error {
	if !c.AnyQuota() {
		return nil
	}
	const (
		used        = "ferry_quota_used_bytes"
		usedPkts    = "ferry_quota_used_packets"
		limit       = "ferry_quota_bytes"
		limitPkts   = "ferry_quota_packets"
		gUsed       = "ferry_quota_global_used_bytes"
		gUsedPkts   = "ferry_quota_global_used_packets"
		gLimit      = "ferry_quota_global_bytes"
		gLimitPkts  = "ferry_quota_global_packets"
		usedHelp    = "Bytes a queue holds as its quota counts them (packets, .part and .nock files, downloads under way), by node and direction."
		usedPktHelp = "Packets a queue holds as its quota counts them, by node and direction."
	)
	m.declare(limit, gauge, "A node's own quota of queued bytes (ferry-quota), by node and direction; absent: unlimited.")
	m.declare(limitPkts, gauge, "A node's own quota of queued packets (ferry-quota), by node and direction; absent: unlimited.")
	for _, xx := range []spool.XX{spool.RX, spool.TX} {
		byNode, all, err := sp.QuotaUsages(xx)
		if err != nil {
			return fmt.Errorf("metrics of the %s quotas: %w", xx, err)
		}
		for _, id := range ids {
			own, every := c.Quotas(id)
			ownL, allL := limitOf(own, xx), limitOf(every, xx)
			if !ownL.Set() && !allL.Set() {
				continue // nothing caps this queue
			}
			l := []string{"node", c.NodeName(id), "direction", string(xx)}
			u := byNode[id]
			m.add(used, gauge, usedHelp, float64(u.Bytes), l...)
			m.add(usedPkts, gauge, usedPktHelp, float64(u.Packets), l...)
			if ownL.Bytes > 0 {
				m.add(limit, gauge, "", float64(ownL.Bytes), l...)
			}
			if ownL.Packets > 0 {
				m.add(limitPkts, gauge, "", float64(ownL.Packets), l...)
			}
		}
		gl := limitOf(c.Quota, xx)
		if !gl.Set() {
			continue
		}
		d := []string{"direction", string(xx)}
		m.add(gUsed, gauge, "Bytes all queues of a direction hold together, as the global quota counts them.", float64(all.Bytes), d...)
		m.add(gUsedPkts, gauge, "Packets all queues of a direction hold together, as the global quota counts them.", float64(all.Packets), d...)
		if gl.Bytes > 0 {
			m.add(gLimit, gauge, "The global quota of queued bytes (top-level ferry-quota), by direction.", float64(gl.Bytes), d...)
		}
		if gl.Packets > 0 {
			m.add(gLimitPkts, gauge, "The global quota of queued packets (top-level ferry-quota), by direction.", float64(gl.Packets), d...)
		}
	}
	return nil
}
