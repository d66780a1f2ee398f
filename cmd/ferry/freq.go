package main

import (
	"context"
	"fmt"
	"path"

	"github.com/ferry-dtn/ferry/packet"
)

func runFreq(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options] NODE:SRC [DST]")
	sf := addSendFlags(fs, packet.NiceNormal, true).withExpire()
	g.takesArgs(1, 2)
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageErrorf("want NODE:SRC [DST]")
	}
	nodeName, src, ok := cutLast(fs.Arg(0))
	if !ok || src == "" {
		return usageErrorf("%q: want NODE:SRC", fs.Arg(0))
	}
	dst := path.Base(src)
	if fs.NArg() == 2 {
		dst = fs.Arg(1)
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	n, err := e.c.FindNode(nodeName)
	if err != nil {
		return err
	}
	opt, err := sf.options(e, 0)
	if err != nil {
		return err
	}
	opt.Track = sf.trackWith(e, "freq", src)
	p := sf.printer(g.Stdout)
	q, err := e.outbox().Freq(ctx, n, src, dst, sf.replyNice, opt)
	if err != nil {
		if qerr, ok := quotaRefusal(e, err); ok {
			return qerr
		}
		return fmt.Errorf("freq: %w", err)
	}
	p.add(e, q)
	sf.tracked(e, q)
	p.flush()
	return nil
}
