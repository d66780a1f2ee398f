package main

import (
	"fmt"
	"strings"

	"github.com/ferry-dtn/ferry/toss/outbox"
)

// idPrinter prints queued packet ids for scripts: one per line, or JSON.
type idPrinter struct {
	enabled, json bool
	w             *output // stdout
	ids           []string
}

func (p *idPrinter) add(e *localNode, qs ...outbox.Queued) {
	for _, q := range qs {
		p.ids = append(p.ids, q.ID.String())
		e.log.Info("packet queued", "who", "tx", "node", e.c.NodeName(q.Node), "pkt", q.ID.String(), "size", q.Size)
	}
}

func (p *idPrinter) flush() {
	if !p.enabled {
		return
	}
	if p.json {
		fmt.Fprintf(p.w, "[%s]\n", quoteJoin(p.ids))
		return
	}
	for _, id := range p.ids {
		fmt.Fprintln(p.w, id)
	}
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ",")
}
