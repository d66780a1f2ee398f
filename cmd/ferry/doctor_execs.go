package main

import (
	"fmt"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// failingExecs reads the spool's record of each exec packet of node's rx
// whose handler failed: the truth about its attempts, where the log may
// have been rotated away.
func (d *doctor) failingExecs(sp *spool.Spool, id packet.ID, name string) map[packet.ID]spool.FailingExec {
	list, err := sp.FailingExecs(id)
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(),
			Advice: "give the user running ferry read access to the spool"})
	}
	out := map[packet.ID]spool.FailingExec{}
	for _, fe := range list {
		out[fe.ID] = fe
	}
	return out
}

// execFinding is doctor's rx-failing finding for an exec packet whose
// handler failed: how often, why, and what toss does next.
func execFinding(policy cfg.ExecRetry, fe spool.FailingExec, name string, id packet.ID, p spool.QueueFile) finding {
	f := finding{Kind: "rx-failing", Severity: sevError, Node: name, Pkt: p.ID.String(), Path: p.Path,
		Advice: fmt.Sprintf("fix the handler, then 'ferry toss --node %s --retry-now'; or drop it: echo %s/%s | ferry rm --pkt", name, id, p.ID)}
	if fe.Err != nil {
		f.Message = fmt.Sprintf("its handler failed before; the record of its attempts is unreadable: %v", fe.Err)
		return f
	}
	next := "toss sets it aside at its next run"
	if policy.Attempts == 0 || fe.Failures < policy.Attempts {
		next = "next try after " + fe.Last.Add(policy.Wait(fe.Failures)).UTC().Format(time.RFC3339)
	}
	limit := ""
	if policy.Attempts > 0 {
		limit = fmt.Sprintf(" of %d", policy.Attempts)
	}
	f.Message = fmt.Sprintf("its handler failed %d%s times, last at %s: %s; %s", fe.Failures, limit,
		fe.Last.UTC().Format(time.RFC3339), fe.Reason, next)
	return f
}
