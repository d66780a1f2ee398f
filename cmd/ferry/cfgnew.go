package main

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
)

func runCfgnew(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--area NAME]... [--nocomments]")
	areas := fs.StringArray("area", nil, "also create area `NAME` with fresh keys (repeatable)")
	noComments := fs.Bool("nocomments", false, "leave out the explanatory comments")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	text, err := cfg.Generate(cfg.GenOptions{Areas: *areas, NoComments: *noComments, Spool: g.spool, Log: g.log})
	if err != nil {
		return fmt.Errorf("cfgnew: %w", err)
	}
	fmt.Fprint(g.Stdout, text)
	return nil
}
