package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// runTrns wraps an existing encrypted packet for relays. The packet is
// a file path (as NNCP decides: anything that exists) or NODE:PKT, a
// packet queued for NODE; either way the recipient is the one in the
// packet's header, as with nncp-trns.
func runTrns(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options] [--via NODE,...] NODE:PKT | [--via NODE,...] PKTFILE")
	g.takesArgs(1, 1)
	sf := addSendFlags(fs, packet.NiceBulk, false)
	node := fs.String("node", "", "with a packet FILE: refuse it unless it is addressed to `NODE`")
	keep := fs.Bool("keep", false, "with NODE:PKT: leave the original packet queued (nncp-trns does)")
	if err := g.parse(args); err != nil {
		return err
	}
	if sf.via == "-" {
		return usageErrorf("--via -: a transit packet needs relays")
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	// The relays: --via, else the recipient's configured via (as NNCP).
	relays := func(to *cfg.Node) ([]packet.ID, error) {
		if sf.via != "" {
			v, err := e.parseVia(sf.via, true)
			if err != nil {
				return nil, err
			}
			return *v, nil
		}
		if len(to.Via) == 0 {
			return nil, withHint(usageErrorf("%s has no via in the config", to.Name), "give --via NODE,...")
		}
		return to.Via, nil
	}
	opt, err := sf.options(e, 0)
	if err != nil {
		return err
	}
	opt.Via = nil
	p := sf.printer(g.Stdout)
	// done reports what one of the three ways below queued.
	done := func(r outbox.Queued, err error) error {
		if err != nil {
			if qerr, ok := quotaRefusal(e, err); ok {
				return qerr
			}
			return fmt.Errorf("trns: %w", err)
		}
		p.add(e, r)
		p.flush()
		return nil
	}
	arg := fs.Arg(0)
	if _, statErr := os.Stat(arg); statErr == nil {
		f, err := os.Open(arg)
		if err != nil {
			return fmt.Errorf("trns: %w", err)
		}
		defer func() { _ = f.Close() }() // read only
		to, err := recipientOf(e, f)
		if err != nil {
			return fmt.Errorf("trns %s: %w", arg, err)
		}
		if *node != "" {
			n, err := e.c.FindNode(*node)
			if err != nil {
				return err
			}
			if n.ID != to.ID {
				return fmt.Errorf("trns %s: addressed to %s, not %s", arg, to.Name, n.Name)
			}
		}
		via, err := relays(to)
		if err != nil {
			return err
		}
		return done(e.outbox().Trns(ctx, to, via, f, opt))
	}
	name, pkt, ok := strings.Cut(arg, ":")
	if !ok || *node != "" {
		return usageErrorf("%q: no such file, and not NODE:PKT", arg)
	}
	n, err := e.c.FindNode(name)
	if err != nil {
		return err
	}
	id, err := packet.ParseID(pkt)
	if err != nil {
		return usageErrorf("%q: %v", pkt, err)
	}
	via, err := relays(n)
	if err != nil {
		return err
	}
	if *keep {
		f, err := e.sp.OpenStream(n.ID, spool.TX, id)
		if err != nil {
			return fmt.Errorf("trns: %w", err)
		}
		defer func() { _ = f.Close() }() // read only
		return done(e.outbox().Trns(ctx, n, via, f, opt))
	}
	return done(e.outbox().TrnsFromSpool(ctx, n, id, via, opt))
}

// recipientOf reads the packet's header for its recipient and rewinds.
func recipientOf(e *localNode, f *os.File) (*cfg.Node, error) {
	b := make([]byte, packet.EncHeaderSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read header: %w", errors.Join(err, packet.ErrBadMagic))
	}
	h, err := packet.ParseEncHeader(b)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	n, ok := e.c.ByID[h.Recipient]
	if !ok {
		return nil, fmt.Errorf("addressed to unknown node %s", h.Recipient)
	}
	return n, nil
}
