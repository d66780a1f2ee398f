package main

import (
	"fmt"
	"os"
	"strings"

	"ferry/packet"
	"ferry/spool"
)

func runAck(g *globals, args []string) error {
	fs := g.flags("[options] --all | --node NODE[,...] [--pkt PKT]")
	sf := addSendFlags(fs, packet.NiceNormal, false)
	all := fs.Bool("all", false, "acknowledge every received packet of every node")
	nodes := fs.String("node", "", "acknowledge received packets of `NODE,...`")
	pkt := fs.String("pkt", "", "acknowledge only packet `PKT` (with one --node)")
	if err := g.parse(args); err != nil {
		return err
	}
	if *all == (*nodes != "") {
		return usageErrorf("give either --all or --node")
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	opt, err := sf.options(e, 0)
	if err != nil {
		return err
	}
	var targets []string
	if *all {
		for name := range e.c.Neigh {
			if name != "self" {
				targets = append(targets, name)
			}
		}
	} else {
		targets = strings.Split(*nodes, ",")
	}
	p := sf.printer()
	q := e.queuer()
	created := ackList(g)
	for _, name := range targets {
		n, err := e.c.FindNode(name)
		if err != nil {
			return err
		}
		var ids []packet.ID
		if *pkt != "" {
			id, err := packet.ParseID(*pkt)
			if err != nil {
				return usageErrorf("--pkt: %v", err)
			}
			ids = append(ids, id)
		} else {
			jobs, _, err := e.sp.Jobs(n.ID, spool.RX)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				ids = append(ids, j.ID)
			}
		}
		for _, id := range ids {
			r, err := q.ACK(n, id, opt)
			if err != nil {
				return fmt.Errorf("ack %s for %s: %w", id, n.Name, err)
			}
			p.add(e, r)
			if created != nil {
				fmt.Fprintf(created, "%s/%s\n", r.Node, r.ID)
			}
		}
	}
	p.flush()
	return nil
}

// ackList is where nncp-ack lists the ACKs it creates, NODE/PKT a line,
// for "nncp-rm -pkt" to remove once they are carried: file descriptor
// 4, when the caller opened it (nil otherwise, and as ferry ack).
func ackList(g *globals) *os.File {
	if !g.nncp {
		return nil
	}
	f := os.NewFile(4, "fd4")
	if f == nil {
		return nil
	}
	if _, err := f.Stat(); err != nil {
		return nil
	}
	return f
}
