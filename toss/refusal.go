package toss

import (
	"cmp"
	"errors"
	"path/filepath"
	"slices"
	"strings"
)

// refusal is the receipt of a refused packet: the reason as its origin
// may read it, and an exec's exit status where the handler gave one.
func (t *Tosser) refusal(o *origin, err error) receiptBody {
	var g *handlerGaveUp
	if errors.As(err, &g) {
		// The handler's output stays in our log: it may say anything.
		return receiptBody{Reason: g.public(), Status: g.status}
	}
	return receiptBody{Reason: t.publicReason(o, err.Error())}
}

// publicReason says a refusal without our own file system in it: the
// directories the config names are called by their keys ("incoming/x",
// "freq.path/y", "spool/..."), so a receipt tells the origin what was
// wrong with its packet, not where this node keeps its files.
func (t *Tosser) publicReason(o *origin, s string) string {
	type root struct{ dir, name string }
	var roots []root
	add := func(dir, name string) {
		if dir == "" || dir == "/" {
			return
		}
		roots = append(roots, root{dir, name})
		if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
			roots = append(roots, root{real, name})
		}
	}
	add(o.inc, "incoming")
	if o.node != nil {
		add(o.node.Freq.Path, "freq.path")
	}
	add(t.c.Spool, "spool")
	// The longest first: a directory inside another keeps its own name.
	slices.SortFunc(roots, func(a, b root) int { return cmp.Compare(len(b.dir), len(a.dir)) })
	for _, r := range roots {
		s = strings.ReplaceAll(s, r.dir, r.name)
	}
	return s
}
