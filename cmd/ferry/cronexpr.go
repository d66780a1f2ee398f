package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/call/cron"
)

func runCronexpr(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--num N] EXPR")
	g.takesArgs(1, -1)
	num := fs.IntP("num", "n", 5, "print the next `N` times")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("want a cron expression")
	}
	e, err := cron.Parse(strings.Join(fs.Args(), " "))
	if err != nil {
		return err
	}
	t := time.Now()
	if g.nncp { // nncp-cronexpr's layout: the time now, then "N:" before each
		fmt.Fprintf(g.Stdout, "Now:\t%s\n", t.UTC().Format(time.RFC3339Nano))
	}
	for i := 0; i < *num; i++ {
		if t, err = e.Next(t); err != nil {
			return err
		}
		if g.nncp {
			fmt.Fprintf(g.Stdout, "%d:\t%s\n", i, t.UTC().Format(time.RFC3339Nano))
			continue
		}
		fmt.Fprintln(g.Stdout, t.Format(time.RFC3339))
	}
	return nil
}
