package main

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
)

func runCfgmin(ctx context.Context, g *globals, args []string) error {
	g.flags("")
	if err := g.parse(args); err != nil {
		return err
	}
	if g.fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", g.fs.Arg(0))
	}
	c, err := g.config()
	if err != nil {
		return err
	}
	fmt.Fprint(g.Stdout, cfg.Minimal(c))
	return nil
}
