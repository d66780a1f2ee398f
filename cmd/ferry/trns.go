package main

import (
	"fmt"
	"os"
	"strings"

	"ferry/packet"
)

func runTrns(g *globals, args []string) error {
	fs := g.flags("[options] --via NODE,... NODE:PKT | --via NODE,... --node NODE FILE")
	sf := addSendFlags(fs, packet.NiceBulk, false)
	node := fs.String("node", "", "with a packet FILE: the node it is addressed to")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || sf.via == "" || sf.via == "-" {
		return usageErrorf("want --via and NODE:PKT (or --node NODE FILE)")
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	via, err := e.parseVia(sf.via, true)
	if err != nil {
		return err
	}
	opt, err := sf.options(e, 0)
	if err != nil {
		return err
	}
	opt.Via = nil
	p := sf.printer()
	if *node != "" {
		n, err := e.c.FindNode(*node)
		if err != nil {
			return err
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("trns: %w", err)
		}
		defer f.Close()
		r, err := e.queuer().Trns(n, *via, f, opt)
		if err != nil {
			return fmt.Errorf("trns: %w", err)
		}
		p.add(e, r)
		p.flush()
		return nil
	}
	name, pkt, ok := strings.Cut(fs.Arg(0), ":")
	if !ok {
		return usageErrorf("%q: want NODE:PKT", fs.Arg(0))
	}
	n, err := e.c.FindNode(name)
	if err != nil {
		return err
	}
	id, err := packet.ParseID(pkt)
	if err != nil {
		return usageErrorf("%q: %v", pkt, err)
	}
	r, err := e.queuer().TrnsFromSpool(n, id, *via, opt)
	if err != nil {
		return fmt.Errorf("trns: %w", err)
	}
	p.add(e, r)
	p.flush()
	return nil
}
