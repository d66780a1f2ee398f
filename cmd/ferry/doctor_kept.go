package main

import (
	"fmt"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// checkKept looks at the inner packets kept for failover to node: one
// kept longer than the tx age limit belongs to a message that has had
// no receipt over any route tried so far.
func (d *doctor) checkKept(sp *spool.Spool, id packet.ID, name string) {
	kept, err := sp.KeptFiles(id)
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(),
			Advice: "give the user running ferry read access to the spool"})
		return
	}
	for _, k := range kept {
		if age := d.now.Sub(k.ModTime); age > d.lim.tx {
			d.add(finding{Kind: "kept-old", Severity: sevWarning, Node: name, Pkt: k.ID.String(), Path: k.Path,
				Message: fmt.Sprintf("inner packet kept for failover %s ago (%s): its message has no receipt yet", roundAge(age), humanSize(k.Size)),
				Advice:  fmt.Sprintf("see where it stands with 'ferry track %s'; check that %s's routes (via, ferry-via-alt) still lead there", k.ID, name)})
		}
	}
}
