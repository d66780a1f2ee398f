package main

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/packet"
)

func runExec(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options] NODE|area:AREA HANDLE [ARG...] < BODY")
	sf := addSendFlags(fs, packet.NicePriority, true).withExpire()
	noCompress := fs.Bool("nocompress", false, "send the body uncompressed (exec-fat)")
	g.interspersedOff()
	g.takesArgs(2, -1)
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usageErrorf("want NODE and HANDLE")
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	d, err := e.dest(fs.Arg(0))
	if err != nil {
		return err
	}
	opt, err := sf.options(e, 0)
	if err != nil {
		return err
	}
	opt.Track = sf.trackWith(e, "exec", fs.Arg(1))
	p := sf.printer(g.Stdout)
	q, err := e.outbox().Exec(ctx, d, fs.Arg(1), fs.Args()[2:], widenAfter(g.Stdin, bulkBody), *noCompress, sf.replyNice, opt)
	if err != nil {
		if qerr, ok := quotaRefusal(e, err); ok {
			return qerr
		}
		return fmt.Errorf("exec: %w", err)
	}
	p.add(e, q)
	sf.tracked(e, q)
	p.flush()
	return nil
}
