package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/reass"
)

func runReass(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--dryrun] [--keep] [--stdout] [--dump] FILE.nncp.meta | --node NODE | --all")
	g.takesArgs(0, 1)
	all := fs.Bool("all", false, "every node's incoming directory")
	node := fs.StringP("node", "n", "", "`NODE`'s incoming directory")
	dry := fs.Bool("dryrun", false, "check only")
	keep := fs.Bool("keep", false, "keep chunks and meta")
	stdout := fs.Bool("stdout", false, "write the file to stdout")
	dump := fs.Bool("dump", false, "print the meta file's contents")
	if err := g.parse(args); err != nil {
		return err
	}
	opt := reass.Options{DryRun: *dry, Keep: *keep, NoSync: g.noSync, Room: roomWith(cfg.Reserve{})}
	if *stdout {
		opt.Stdout = g.Stdout
	}
	var (
		metas []string
		c     *cfg.Config // only when a node's or every incoming directory is searched
	)
	switch {
	case fs.NArg() == 1 && !*all && *node == "":
		metas = []string{fs.Arg(0)}
	case fs.NArg() == 0 && (*all || *node != ""):
		e, err := g.open(ctx)
		if err != nil {
			return err
		}
		c = e.c
		opt.Umask = e.umask
		opt.Room = roomWith(e.c.Reserve)
		if *node != "" {
			if _, err := e.c.FindNode(*node); err != nil {
				return fmt.Errorf("reass: %w", err)
			}
		}
		dirs := map[string]bool{} // neighbours may share an incoming directory
		for name, n := range e.c.Neigh {
			if n.Incoming == "" || dirs[n.Incoming] || (*node != "" && name != *node && n.ID.String() != *node) {
				continue
			}
			dirs[n.Incoming] = true
			m, err := reass.Find(n.Incoming)
			if err != nil {
				return err
			}
			metas = append(metas, m...)
		}
	default:
		return usageErrorf("give one FILE.nncp.meta, or --node NODE, or --all")
	}
	bar := g.jobProgress(c)
	defer bar.end()
	opt.Progress = bar.progress()
	var errs []error
	for _, m := range metas {
		if *dump {
			meta, err := reass.ReadMeta(m)
			if err != nil {
				errs = append(errs, spool.WrapPath("", m, err))
				continue
			}
			fmt.Fprint(g.Stdout, reass.Describe(meta))
			continue
		}
		final, err := reass.Reass(m, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if final != "" && !g.quiet {
			writeErr(g.Stderr, "reassembled "+final+"\n")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reass: %w", err)
	}
	return nil
}

// roomWith says whether a reassembled file fits in its directory's free
// space above the reserve, so reass stops before the disk is full.
func roomWith(r cfg.Reserve) func(dir string, need int64) error {
	return func(dir string, need int64) error {
		_, err := spool.FitsIn(nil, dir, need, r.Of)
		return err
	}
}
