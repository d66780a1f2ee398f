package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func runAck(ctx context.Context, g *globals, args []string) error {
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
	e, err := g.open(ctx)
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
	p := sf.printer(g.Stdout)
	q := e.outbox()
	created := ackList(g)
	failed := 0
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
			jobs, bad, err := e.sp.Jobs(n.ID, spool.RX)
			if err != nil {
				return err
			}
			for _, b := range bad {
				failed++
				e.log.Error("not acknowledged: not a packet", "who", "ack", "node", n.Name, "path", b.Path, "err", b.Err)
			}
			for _, j := range jobs {
				isACK, err := rxIsACK(e, n.ID, j.ID)
				switch {
				case err != nil:
					failed++
					e.log.Error("not acknowledged: unreadable", "who", "ack", "node", n.Name, "pkt", j.ID.String(), "err", err)
				case isACK:
					e.log.Info("not acknowledged: it is an ACK", "who", "ack", "node", n.Name, "pkt", j.ID.String())
				default:
					ids = append(ids, j.ID)
				}
			}
		}
		for _, id := range ids {
			r, err := q.ACK(ctx, n, id, opt)
			if err != nil {
				return fmt.Errorf("ack %s for %s: %w", id, n.Name, err)
			}
			p.add(e, r)
			if created != nil {
				if _, err := fmt.Fprintf(created, "%s/%s\n", r.Node, r.ID); err != nil {
					return fmt.Errorf("ack: list of created ACKs: %w", err)
				}
			}
		}
	}
	p.flush()
	if failed > 0 {
		return fmt.Errorf("ack: %d received packets could not be read", failed)
	}
	return nil
}

// rxIsACK opens a received packet far enough to read its type: ACKs are
// not acknowledged (nncp-ack skips them too), or the two sides would
// acknowledge each other's ACKs for ever.
func rxIsACK(e *localNode, node, id packet.ID) (bool, error) {
	if e.c.Self == nil {
		return false, cfg.ErrNoPrivateKeys
	}
	f, err := e.sp.OpenStream(node, spool.RX, id)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }() // read only
	br := bufio.NewReaderSize(f, packet.EncHeaderSize)
	hb, err := br.Peek(packet.EncHeaderSize)
	if err != nil {
		return false, err
	}
	hdr, err := packet.ParseEncHeader(hb)
	if err != nil {
		return false, err
	}
	me, opt := e.c.Self.Identity(), packet.ReadOptions{}
	if a, ok := e.c.AreaByID[hdr.Recipient]; ok && a.Identity() != nil {
		me, opt.AllowUnknown = a.Identity(), a.AllowUnknown
	}
	r, err := packet.NewReader(br, me, e.c.Lookup, opt)
	if err != nil {
		return false, err
	}
	return r.Plain().Type == packet.TypeACK, nil
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
