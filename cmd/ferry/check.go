package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func runCheck(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--node NODE] [--nock] [--cycle SEC]")
	node := fs.StringP("node", "n", "", "only `NODE`")
	nock := fs.Bool("nock", false, "verify downloads left unchecked (.nock) and complete them")
	cycle := fs.Int("cycle", 0, "check again every `SEC` seconds until interrupted")
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	var only *packet.ID
	if *node != "" {
		n, err := e.c.FindNode(*node)
		if err != nil {
			return withHint(fmt.Errorf("check: %w", err), "neighbours are the keys of 'neigh' in the config")
		}
		only = &n.ID
	}
	for {
		err := checkOnce(e, only, *nock)
		if *cycle <= 0 {
			return err
		}
		if err != nil {
			e.log.Error("check round failed", "who", "check", "err", err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(*cycle) * time.Second):
		}
	}
}

// checkOnce verifies every queued packet (of one node when only is set).
func checkOnce(e *localNode, only *packet.ID, nock bool) error {
	nodes, err := e.sp.Nodes()
	if err != nil {
		return err
	}
	bad := 0
	for _, id := range nodes {
		if only != nil && id != *only {
			continue
		}
		if nock {
			bad += checkNock(e, id)
			continue
		}
		for _, xx := range []spool.XX{spool.RX, spool.TX} {
			jobs, badFiles, err := e.sp.Jobs(id, xx)
			if err != nil {
				return err
			}
			for _, b := range badFiles {
				bad++
				e.log.Error("not a packet", "who", "check", "node", e.c.NodeName(id), "path", b.Path, "err", b.Err)
			}
			for _, j := range jobs {
				ok, err := e.sp.Verify(id, xx, j.ID)
				if err != nil && !os.IsNotExist(err) || err == nil && !ok {
					bad++
					e.log.Error("packet damaged: content does not match its name", "who", "check",
						"node", e.c.NodeName(id), "xx", string(xx), "pkt", j.ID.String(), "err", errors.Join(err, spool.ErrHashMismatch))
				}
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("check: %d damaged packets", bad)
	}
	return nil
}

// checkNock verifies .nock files and moves the good ones into rx.
func checkNock(e *localNode, id packet.ID) int {
	parts, err := e.sp.Partials(id)
	if err != nil {
		e.log.Error("downloads not checked", "who", "check", "node", e.c.NodeName(id), "err", err)
		return 1
	}
	bad := 0
	for _, p := range parts {
		if !p.Nock {
			continue
		}
		err := e.sp.PromoteNock(id, p.ID)
		switch {
		case errors.Is(err, os.ErrNotExist): // removed since the listing
		case errors.Is(err, spool.ErrHashMismatch):
			bad++
			e.log.Error("download damaged", "who", "check", "node", e.c.NodeName(id), "pkt", p.ID.String(), "err", spool.ErrHashMismatch)
		case err != nil:
			bad++ // not done, so check does not exit 0
			e.log.Error("download not checked", "who", "check", "node", e.c.NodeName(id), "pkt", p.ID.String(), "err", err)
		default:
			e.log.Info("download verified", "who", "check", "node", e.c.NodeName(id), "pkt", p.ID.String())
		}
	}
	return bad
}
