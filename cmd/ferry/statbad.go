package main

import (
	"fmt"

	"github.com/ferry-dtn/ferry/spool"
)

// statBadFiles says which files in the queues are named as packets but
// are not, once the listing is printed (they are left out of it), and
// what that makes of the command's result.
//
// ferry stat exits 0 only when it listed everything asked for, so a
// queue it could not list in full fails it: each file is an error line
// and the status is 1, for monitoring to see. Run as nncp-stat, it keeps
// NNCP 8.8.2's status: nncp-stat skips such files silently and exits 0
// (checked with the real binary and a garbage file in tx/), and a script
// written for it must not start failing; each file is then a warning.
func statBadFiles(g *globals, bad []spool.BadFile) error {
	if len(bad) == 0 {
		return nil
	}
	level := "error"
	if g.nncp {
		level = "warning"
	}
	for _, b := range bad {
		fmt.Fprintf(g.Stderr, "ferry: %s: stat: %s: not listed: %v\n", level, b.Path, b.Err)
	}
	if g.nncp {
		return nil
	}
	what := "file"
	if len(bad) > 1 {
		what = "files"
	}
	return withHint(fmt.Errorf("stat: %d %s in the queues named as packets but unreadable as packets", len(bad), what),
		"'ferry toss' sets received ones aside in rx/bad/; 'ferry rm --node NODE --pkt' removes the ones named on its stdin")
}
