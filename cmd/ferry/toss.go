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
	skip := map[packet.Type]*bool{}
	for _, t := range []struct {
		typ  packet.Type
		name string
	}{{packet.TypeFile, "file"}, {packet.TypeFreq, "freq"}, {packet.TypeExec, "exec"}, {packet.TypeTrns, "trns"}, {packet.TypeArea, "area"}, {packet.TypeACK, "ack"}} {
		skip[t.typ] = fs.Bool("no"+t.name, false, "leave "+t.name+" packets untouched")
	}
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	opt := toss.Options{Nice: nice, Seen: *seen, DryRun: *dry, GenACK: *genACK, Reass: *doReass, Log: e.log, Umask: e.umask}
	for t, on := range skip {
		if *on {
			opt.Skip = opt.Skip.With(t)
			if t == packet.TypeExec {
				opt.Skip = opt.Skip.With(packet.TypeExecFat)
			}
		}
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
