package main

import (
	"errors"
	"fmt"
	"os"

	"ferry/packet"
	"ferry/spool"
)

func runCheck(g *globals, args []string) error {
	fs := g.flags("[--node NODE] [--nock]")
	node := fs.StringP("node", "n", "", "only `NODE`")
	nock := fs.Bool("nock", false, "verify downloads left unchecked (.nock) and complete them")
	if err := g.parse(args); err != nil {
		return err
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	nodes, err := e.sp.Nodes()
	if err != nil {
		return err
	}
	bad := 0
	for _, id := range nodes {
		if *node != "" && e.c.NodeName(id) != *node && id.String() != *node {
			continue
		}
		if *nock {
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

// checkNock verifies .nock files and renames the good ones into rx.
func checkNock(e *env, id packet.ID) int {
	parts, _ := e.sp.Partials(id)
	bad := 0
	for _, p := range parts {
		if !p.Nock {
			continue
		}
		path := e.sp.NockPath(id, p.ID)
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		got, _, err := packet.MTHOf(f)
		f.Close()
		if err != nil || got != p.ID {
			bad++
			e.log.Error("download damaged", "who", "check", "node", e.c.NodeName(id), "pkt", p.ID.String(), "err", spool.ErrHashMismatch)
			continue
		}
		if err := os.Rename(path, e.sp.PacketPath(id, spool.RX, p.ID)); err == nil {
			e.log.Info("download verified", "who", "check", "node", e.c.NodeName(id), "pkt", p.ID.String())
		}
	}
	return bad
}
