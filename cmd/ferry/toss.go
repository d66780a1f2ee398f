package main

import (
	"context"
	"errors"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss"
)

func runToss(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options]")
	node := fs.StringP("node", "n", "", "toss only packets from `NODE`")
	var nice uint8
	fs.Var(newNice(&nice, packet.NiceMax), "nice", "toss only packets with niceness up to `NICE`")
	seen := fs.Bool("seen", false, "create rx/seen/ markers so duplicates are recognised")
	dry := fs.Bool("dryrun", false, "decrypt and check, but write nothing")
	cycle := fs.Int("cycle", 0, "repeat every `SEC` seconds until interrupted")
	genACK := fs.Bool("gen-ack", false, "answer each tossed packet with an ACK to its sender (implies --seen)")
	doReass := fs.Bool("reass", false, "reassemble chunked files as soon as every chunk is in (config: autoreass)")
	retryNow := fs.Bool("retry-now", false, "run failed exec handlers again without waiting for their backoff (config: ferry-exec-backoff)")
	var skip toss.TypeSet
	addSkipFlags(fs, &skip, "no", func(kind string) string { return "leave " + kind + " packets untouched" })
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	bar := g.jobProgress(e.c)
	defer bar.end()
	opt := toss.Options{Nice: nice, Seen: *seen, DryRun: *dry, GenACK: *genACK, Reass: *doReass, Skip: skip, Log: e.log, Umask: e.umask,
		Progress: bar.progress(), RetryNow: *retryNow, Claimer: claimerPath()}
	if *cycle <= 0 {
		// Asked to toss now, it waits for another toss (or the claimer of
		// a killed one, still running its handlers) rather than leave the
		// node untossed; each cycle of --cycle leaves it for the next.
		opt.WaitBusy = time.Minute
	}
	if *node != "" {
		n, err := e.c.FindNode(*node)
		if err != nil {
			return err
		}
		opt.Node = &n.ID
	}
	for {
		_, err := toss.Toss(ctx, e.sp, e.c, opt)
		if *cycle <= 0 || ctx.Err() != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		if err != nil {
			// The packets that failed were logged one by one; this line
			// says the round failed and why, and the next round retries.
			e.log.Error("toss round failed", "who", "toss", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(*cycle) * time.Second):
		}
	}
}
