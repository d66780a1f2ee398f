package main

import (
	"context"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/call/mcd"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

func runCaller(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--autotoss [--autotoss-...]] [NODE...]")
	at := addAutoTossFlags(fs)
	g.takesArgs(0, -1)
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open(ctx)
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
	tosser, stopTossing := startTosser(ctx, e)
	defer stopTossing() // the calls' tosses, one at a time
	// As nncp-caller: an entry's call tosses when the entry or the flags
	// say so, doing what either asks.
	c := &call.Caller{Spool: e.sp, Cfg: e.c, Log: e.log, Deadline: g.deadline, AutoToss: func(entry cfg.Call) func() {
		if !entry.AutoToss && !at.on {
			return nil
		}
		return tosser.hook(entryAutoToss(entry).or(at.autoToss))
	}, Ages: &call.AgeKeeper{Spool: e.sp, Cfg: e.c, Log: e.log, Also: failoverPass(e)}} // the config's ferry-age and failover, hourly
	if len(e.c.MCDListen) > 0 {
		if ifaces, err := mcd.Interfaces(e.c.MCDListen); err == nil && len(ifaces) > 0 {
			book := mcd.NewBook()
			if err := book.Listen(ctx, ifaces, func(id packet.ID) bool { _, ok := e.c.ByID[id]; return ok }); err == nil {
				defer book.Stop()
				c.Learned = book.Addrs
			}
		}
	}
	return c.Run(ctx, nodes)
}
