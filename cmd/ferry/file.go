package main

import (
	"context"
	"errors"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

func runFile(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options] SRC NODE:[DST] | SRC area:AREA:[DST]")
	sf := addSendFlags(fs, packet.NiceBulk, false).withExpire()
	g.takesArgs(2, 2)
	chunked := fs.Int64("chunked", -1, "split into chunks of `KiB` (0: never; default the node's freq.chunked)")
	force := fs.Bool("force", false, "queue a chunked file even if it makes more than 10000 packets")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("want SRC and NODE:[DST]")
	}
	src, target := fs.Arg(0), fs.Arg(1)
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	destName, dst, ok := cutLast(target)
	if !ok {
		return usageErrorf("destination %q: want NODE:[DST] or area:AREA:[DST]", target)
	}
	d, err := e.dest(destName)
	if err != nil {
		return err
	}
	var defMin, defChunk int64
	if d.Node != nil {
		defMin, defChunk = d.Node.Freq.MinSize/1024, d.Node.Freq.Chunked/1024
	}
	opt, err := sf.options(e, defMin)
	if err != nil {
		return err
	}
	if *chunked >= 0 {
		defChunk = *chunked
	}
	p := sf.printer(g.Stdout)
	fo := outbox.FileOptions{Options: opt, Chunked: defChunk * 1024, Stdin: g.Stdin}
	if !*force {
		fo.MaxChunks = maxChunksUnforced
	}
	bar := g.jobProgress(e.c)
	defer bar.end()
	fo.Progress = bar.progress()
	qs, err := e.outbox().File(ctx, d, src, dst, fo)
	if err != nil && len(qs) > 0 {
		err = &queuedSome{err, len(qs)} // chunks queued: failed, but not to be retried (tempfail.go)
	}
	p.add(e, qs...)
	sf.track(e, "file", dst, qs...)
	var tooMany *outbox.TooManyChunksError
	if errors.As(err, &tooMany) {
		return withHint(spool.WrapPath("file", src, err),
			"%d KiB chunks: give a larger --chunked, or --force if so many packets are what you want", defChunk)
	}
	if qerr, ok := quotaRefusal(e, err); ok {
		return qerr
	}
	if err != nil {
		return spool.WrapPath("file", src, err)
	}
	p.flush()
	return nil
}

// maxChunksUnforced is where a chunked send asks for --force: far more
// packets than any sensible chunk size makes, and where listing and
// removing them starts to take a user's time.
const maxChunksUnforced = 10000

// cutLast splits "NODE:DST" and "area:AREA:DST" at the separator that
// ends the destination.
func cutLast(s string) (dest, path string, ok bool) {
	if rest, isArea := strings.CutPrefix(s, "area:"); isArea {
		a, p, ok := strings.Cut(rest, ":")
		return "area:" + a, p, ok
	}
	return strings.Cut(s, ":")
}
