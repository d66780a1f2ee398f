package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"ferry/call"
	"ferry/cfg"
)

func runCaller(g *globals, args []string) error {
	fs := g.flags("[NODE...]")
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	var nodes []*cfg.Node
	if fs.NArg() == 0 {
		for _, n := range e.c.Neigh {
			if len(n.Calls) > 0 {
				nodes = append(nodes, n)
			}
		}
	}
	for _, name := range fs.Args() {
		n, err := e.c.FindNode(name)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &call.Caller{Spool: e.sp, Cfg: e.c, Log: e.log, AutoToss: func(entry cfg.Call) func() {
		a := &autoTossFlags{on: true, seen: entry.AutoTossSeen, noFile: entry.AutoTossNoFile, noFreq: entry.AutoTossNoFreq,
			noExec: entry.AutoTossNoExec, noTrns: entry.AutoTossNoTrns, noArea: entry.AutoTossNoArea}
		return a.hook(e)
	}}
	return c.Run(ctx, nodes)
}
