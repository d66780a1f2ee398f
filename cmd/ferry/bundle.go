package main

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/spool/media"
)

func runBundle(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("--tx [--delete] [--nice NICE] NODE... > STREAM | --rx [--check] [--delete] [--dryrun] [--nice NICE] [NODE...] < STREAM")
	g.takesArgs(0, -1)
	tx := fs.Bool("tx", false, "write the packets queued for NODE... to stdout")
	rx := fs.Bool("rx", false, "read packets from stdin")
	var nice uint8
	addNiceFlag(fs, &nice)
	// As with nncp-bundle, --tx keeps what it wrote: a stream can be lost
	// with its tape. --keep was needed for that before; old scripts still
	// pass it.
	keep := fs.Bool("keep", false, "accepted and ignored, for old scripts: --tx keeps the packets unless given --delete")
	del := fs.Bool("delete", false, "with --tx: remove the packets from the queue once the whole stream is written;\nwith --rx: drop our queued copies of our own packets found in the stream")
	dry := fs.Bool("dryrun", false, "with --rx: check, store nothing")
	fs.Bool("check", true, "with --rx: verify every packet against its name (always on)")
	if err := g.parse(args); err != nil {
		return err
	}
	if *tx == *rx {
		return usageErrorf("give --tx or --rx")
	}
	if *keep && *del {
		return usageErrorf("--keep and --delete contradict each other")
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	opt, err := mediaOptions(e, nice, "")
	if err != nil {
		return err
	}
	bar := g.jobProgress(e.c)
	defer bar.end()
	opt.Progress = bar.progress()
	if *tx {
		if fs.NArg() == 0 {
			return usageErrorf("--tx needs at least one NODE")
		}
		var nodes []string
		nodes = append(nodes, fs.Args()...)
		ids, err := e.nodeList(joinComma(nodes))
		if err != nil {
			return err
		}
		opt.Keep = !*del
		st, err := media.BundleTx(g.Stdout, e.sp, ids, opt)
		if !g.quiet {
			writeErr(g.Stderr, statsLine("bundled", st)+"\n")
		}
		if err != nil {
			return fmt.Errorf("bundle --tx: %w", err)
		}
		return nil
	}
	if fs.NArg() > 0 {
		if opt, err = mediaOptions(e, nice, joinComma(fs.Args())); err != nil {
			return err
		}
		opt.Progress = bar.progress()
	}
	st, err := media.BundleRx(g.Stdin, e.sp, media.RxOptions{Options: opt, DryRun: *dry, Delete: *del})
	if !g.quiet {
		writeErr(g.Stderr, statsLine("received", st)+"\n")
	}
	if err != nil {
		return mediaQuotaHint(fmt.Errorf("bundle --rx: %w", err), err, "in the stream")
	}
	return nil
}
