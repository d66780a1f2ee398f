package main

import (
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
)

// checkQuotas finds queues over their quota (ferry-quota): a neighbour's
// own rx or tx queue over its limits, or all nodes' queues of a
// direction together over the global ones. A queue gets there when the
// quota was lowered, or packets came by a tool that does not keep it
// (nncp-xfer, a copy by hand). Over quota, calls request nothing more
// for it (rx) and sending commands refuse (tx).
func (d *doctor) checkQuotas(sp *spool.Spool) {
	if !d.c.AnyQuota() {
		return
	}
	for _, xx := range []spool.XX{spool.RX, spool.TX} {
		var all spool.Usage
		counted := false
		for _, name := range append(sortedNeigh(d.c), "self") {
			n := d.c.Neigh[name]
			own, every, err := sp.QuotaUsage(n.ID, xx)
			if err != nil {
				d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(),
					Advice: "give the user running ferry read access to the spool"})
				return
			}
			all, counted = every, true
			d.overQuota(name, xx, own, limitOf(n.Quota, xx), "neigh."+name+".ferry-quota")
		}
		if counted {
			d.overQuota("", xx, all, limitOf(d.c.Quota, xx), "ferry-quota")
		}
	}
}

func limitOf(q cfg.Quota, xx spool.XX) cfg.Limit {
	if xx == spool.RX {
		return q.RX
	}
	return q.TX
}

// overQuota adds a finding when used passes limit; node is "" for the
// global quota.
func (d *doctor) overQuota(node string, xx spool.XX, used spool.Usage, limit cfg.Limit, key string) {
	var what string
	switch {
	case limit.Bytes > 0 && used.Bytes > limit.Bytes:
		what = fmt.Sprintf("%s in %s, over its quota of %s (%s.%s-bytes)", humanSize(used.Bytes), packets(used.Packets), humanSize(limit.Bytes), key, xx)
	case limit.Packets > 0 && used.Packets > limit.Packets:
		what = fmt.Sprintf("%s, over its quota of %d (%s.%s-packets)", packets(used.Packets), limit.Packets, key, xx)
	default:
		return
	}
	queue := node + "'s " + string(xx) + " queue holds "
	if node == "" {
		queue = "the " + string(xx) + " queues hold "
	}
	advice := "toss what came ('ferry toss'; 'ferry doctor' names what toss cannot take): until the queue is below its quota, calls request nothing more for it"
	if xx == spool.TX {
		who := node
		if node == "" {
			who = "NODE"
		}
		advice = fmt.Sprintf("a call to %s takes what is queued; 'ferry rm --node %s --tx' removes packets: until the queue is below its quota, sending commands refuse", who, who)
	}
	d.add(finding{Kind: "over-quota", Severity: sevWarning, Node: node, Message: queue + what,
		Advice: advice + "; or raise " + key})
}

func packets(n int64) string {
	if n == 1 {
		return "1 packet"
	}
	return fmt.Sprintf("%d packets", n)
}
