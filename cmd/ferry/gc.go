package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/spool"
)

func runGc(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--dryrun]")
	dry := fs.Bool("dryrun", false, "print what would be removed, and why, and remove nothing")
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	return applyAges(ctx, g, e, *dry)
}

// applyAges is ferry gc and ferry rm --policy: one age pass over the
// whole spool. A real run logs each removal with its reason (the log
// and stderr); a dry run prints each to stdout and logs nothing. A node
// left alone because a call or toss held its lock makes the run
// unfinished: exit 1, a rerun finishes it.
func applyAges(ctx context.Context, g *globals, e *localNode, dry bool) error {
	o := call.AgeOptions(e.c, time.Now(), e.log)
	o.DryRun = dry
	if dry {
		o.Log = nil
		o.Removed = func(r spool.Removal) { fmt.Fprintf(g.Stdout, "%s %s: %s\n", r.Kind, r.Path, r.Reason) }
	}
	res, err := e.sp.ApplyAges(ctx, o)
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	if !g.quiet && !dry {
		fmt.Fprintf(g.Stderr, "%d removed\n", res.Removed)
	}
	if res.Skipped > 0 {
		return withHint(fmt.Errorf("gc: %d groups of files left: a call or a toss held their node's lock (each logged)", res.Skipped),
			"run ferry gc again once it is done; the daemon and the caller also apply the limits every hour")
	}
	return nil
}
