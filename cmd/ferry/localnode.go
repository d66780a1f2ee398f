package main

import (
	"context"
	"log/slog"
	"strings"
	"syscall"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/journal"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// localNode is what a command that touches the spool works on: this
// node's loaded config, its open spool and log, and the umask in force.
type localNode struct {
	streams
	c     *cfg.Config
	sp    *spool.Spool
	log   *slog.Logger
	jh    *journal.Handler // log's handler (Hold, Flush)
	umask uint32
}

// open loads the config, applies its umask and opens spool and log.
// The spool stops a long index build (a cold listing of a huge queue)
// between two runs of headers once ctx is cancelled: Ctrl-C stops
// `ferry stat` on a million packets too.
func (g *globals) open(ctx context.Context) (*localNode, error) {
	c, err := g.config()
	if err != nil {
		return nil, err
	}
	e := &localNode{streams: g.streams, c: c, umask: 0o022}
	if c.Umask != nil {
		e.umask = *c.Umask
		syscall.Umask(int(e.umask))
	}
	var self packet.ID
	if c.Self != nil {
		self = c.Self.ID
	} else if n := c.Neigh["self"]; n != nil {
		self = n.ID
	}
	e.sp, err = spool.Open(c.Spool, self, spool.Options{NoSync: g.noSync, NoHdr: c.NoHdr, Umask: e.umask, Context: ctx})
	if err != nil {
		return nil, withHint(err, "check 'spool' in %s or --spool", g.cfgPath)
	}
	h, err := journal.Open(c.Log, journal.Options{Echo: g.echo(c), Debug: g.debug})
	if err != nil {
		return nil, err
	}
	e.log, e.jh = slog.New(h), h
	return e, nil
}

func (e *localNode) outbox() *outbox.Outbox { return &outbox.Outbox{Spool: e.sp, Cfg: e.c} }

// parseVia reads --via: "-" for none, else comma-separated names or ids.
func (e *localNode) parseVia(s string, set bool) (*[]packet.ID, error) {
	if !set {
		return nil, nil
	}
	ids := []packet.ID{}
	if s == "-" || s == "" {
		return &ids, nil
	}
	hops := strings.Split(s, ",")
	if len(hops) > cfg.MaxVia {
		return nil, usageErrorf("--via: %d relays, more than the %d a route may have", len(hops), cfg.MaxVia)
	}
	for _, v := range hops {
		n, err := e.c.FindNode(strings.TrimSpace(v))
		if err != nil {
			return nil, usageErrorf("--via: %v", err)
		}
		ids = append(ids, n.ID)
	}
	return &ids, nil
}

// dest parses NODE or area:AREA.
func (e *localNode) dest(s string) (outbox.Dest, error) {
	if a, ok := strings.CutPrefix(s, "area:"); ok {
		area, err := e.c.FindArea(a)
		if err != nil {
			return outbox.Dest{}, err
		}
		return outbox.Dest{Area: area}, nil
	}
	n, err := e.c.FindNode(s)
	if err != nil {
		return outbox.Dest{}, withHint(err, "neighbours are the keys of 'neigh' in the config")
	}
	return outbox.Dest{Node: n}, nil
}
