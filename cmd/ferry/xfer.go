package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ferry-dtn/ferry/spool/media"
)

func runXfer(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--node NODE] [--nice NICE] [--mkdir] [--keep] [--rx|--tx] DIR")
	g.takesArgs(1, 1)
	node := fs.StringP("node", "n", "", "only packets of `NODE,...`")
	var nice uint8
	addNiceFlag(fs, &nice)
	mkdir := fs.Bool("mkdir", false, "create DIR/<node> directories for every neighbour")
	keep := fs.Bool("keep", false, "keep copied packets: outbound ones stay queued until their ACKs come back")
	rxOnly := fs.Bool("rx", false, "only take packets in")
	txOnly := fs.Bool("tx", false, "only write packets out")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*rxOnly && *txOnly) {
		return usageErrorf("want one DIR, and at most one of --rx and --tx")
	}
	dir := fs.Arg(0)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return withHint(fmt.Errorf("xfer: %s is not a directory", dir), "mount the medium first, or create the directory")
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	opt, err := mediaOptions(e, nice, *node)
	if err != nil {
		return err
	}
	opt.Keep, opt.Mkdir = *keep, *mkdir
	bar := g.jobProgress(e.c)
	defer bar.end()
	opt.Progress = bar.progress()
	// Both directions run even when the first refused something; the
	// error names each direction that did.
	var errs []string
	var rxErr error
	if !*txOnly {
		st, err := media.XferRx(e.sp, dir, opt)
		rxErr = err
		if err != nil {
			errs = append(errs, "--rx: "+err.Error())
		}
		if !g.quiet {
			writeErr(g.Stderr, statsLine("received", st)+"\n")
		}
	}
	if !*rxOnly {
		st, err := media.XferTx(e.sp, dir, e.neighbourIDs(), opt)
		if err != nil {
			errs = append(errs, "--tx: "+err.Error())
		}
		if !g.quiet {
			writeErr(g.Stderr, statsLine("written", st)+"\n")
		}
	}
	if len(errs) > 0 {
		return mediaQuotaHint(fmt.Errorf("xfer %s", strings.Join(errs, "; ")), rxErr, "on the medium")
	}
	return nil
}
