package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"ferry/packet"
	"ferry/spool"
)

func runRm(g *globals, args []string) error {
	fs := g.flags("[options] --all | --node NODE  [--rx] [--tx] [--part] [--nock] [--seen] [--hdr] [--area] [--lock] [--pkt] | --tmp | --lock")
	all := fs.Bool("all", false, "every node")
	node := fs.StringP("node", "n", "", "only `NODE`")
	tmp := fs.Bool("tmp", false, "remove temporary files in SPOOL/tmp")
	lock := fs.Bool("lock", false, "remove lock files")
	part := fs.Bool("part", false, "remove .part files (unfinished downloads)")
	nock := fs.Bool("nock", false, "remove .nock files (unchecked downloads)")
	seen := fs.Bool("seen", false, "remove rx/seen/ markers")
	hdr := fs.Bool("hdr", false, "remove hdr/ header copies")
	area := fs.Bool("area", false, "remove area/ message markers")
	rx := fs.Bool("rx", false, "remove received packets")
	tx := fs.Bool("tx", false, "remove outbound packets")
	pkt := fs.Bool("pkt", false, "remove the packets listed on stdin (PKT or NODE/PKT per line)")
	older := fs.String("older", "", "only files older than `AGE` (e.g. 30s, 10m, 2h, 7d)")
	dry := fs.Bool("dryrun", false, "only print what would be removed")
	if err := g.parse(args); err != nil {
		return err
	}
	var age time.Duration
	if *older != "" {
		var err error
		if age, err = parseAge(*older); err != nil {
			return usageErrorf("--older: %v", err)
		}
	}
	e, err := g.open()
	if err != nil {
		return err
	}
	removed := 0
	remove := func(p string) {
		info, err := os.Lstat(p)
		if err != nil || (age > 0 && time.Since(info.ModTime()) < age) {
			return
		}
		if *dry {
			fmt.Println(p)
			return
		}
		if err := os.RemoveAll(p); err == nil {
			removed++
			e.log.Info("removed", "who", "rm", "path", p)
		}
	}
	glob := func(pattern string) {
		m, _ := filepath.Glob(pattern)
		for _, p := range m {
			remove(p)
		}
	}
	if *tmp {
		glob(filepath.Join(e.sp.TmpDir(), "*"))
	}
	var nodes []packet.ID
	switch {
	case *all:
		nodes, _ = e.sp.Nodes()
	case *node != "":
		n, err := e.c.FindNode(*node)
		if err != nil {
			return err
		}
		nodes = []packet.ID{n.ID}
	case *pkt:
	case *tmp || *lock:
		if *lock {
			nodes, _ = e.sp.Nodes()
		}
	default:
		return usageErrorf("say what to remove: --all or --node NODE with what, or --tmp, --lock")
	}
	for _, id := range nodes {
		nd := e.sp.NodeDir(id)
		if *lock {
			glob(filepath.Join(nd, "*.lock"))
		}
		if *part {
			glob(filepath.Join(nd, "rx", "*.part"))
		}
		if *nock {
			glob(filepath.Join(nd, "rx", "*.nock"))
		}
		if *seen {
			glob(filepath.Join(nd, "rx", "seen", "*"))
		}
		if *hdr {
			glob(filepath.Join(nd, "rx", "hdr", "*"))
			glob(filepath.Join(nd, "tx", "hdr", "*"))
		}
		if *area {
			glob(filepath.Join(nd, "area", "*", "*"))
		}
		for _, q := range []struct {
			on bool
			xx spool.XX
		}{{*rx, spool.RX}, {*tx, spool.TX}} {
			if !q.on {
				continue
			}
			jobs, _, _ := e.sp.Jobs(id, q.xx)
			for _, j := range jobs {
				remove(e.sp.PacketPath(id, q.xx, j.ID))
				if !*dry {
					e.sp.Remove(id, q.xx, j.ID)
				}
			}
		}
	}
	if *pkt {
		if err := rmListed(e, nodes, remove); err != nil {
			return err
		}
	}
	if !g.quiet && !*dry {
		fmt.Fprintf(os.Stderr, "%d removed\n", removed)
	}
	return nil
}

// rmListed removes packets named on stdin from rx and tx of the nodes.
func rmListed(e *env, nodes []packet.ID, remove func(string)) error {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		targets := nodes
		if n, p, ok := strings.Cut(line, "/"); ok {
			nid, err := packet.ParseID(n)
			if err != nil {
				return usageErrorf("--pkt: bad node id in %q", line)
			}
			targets, line = []packet.ID{nid}, p
		}
		id, err := packet.ParseID(line)
		if err != nil {
			return usageErrorf("--pkt: bad packet id %q", line)
		}
		if len(targets) == 0 {
			targets, _ = e.sp.Nodes()
		}
		for _, n := range targets {
			for _, xx := range []spool.XX{spool.RX, spool.TX} {
				p := e.sp.PacketPath(n, xx, id)
				if _, err := os.Stat(p); err == nil {
					remove(p)
					e.sp.Remove(n, xx, id)
				}
			}
		}
	}
	return sc.Err()
}

// parseAge reads --older: a whole number of days (7d) or a Go duration.
// A negative or overflowing age is refused, since rm takes an age <= 0
// to mean "whatever the age".
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || strings.TrimLeft(d, "0123456789") != "" || n > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, fmt.Errorf("bad age %q: want whole days such as 7d, or a duration such as 90m", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	age, err := time.ParseDuration(s)
	if err == nil && age < 0 {
		return 0, fmt.Errorf("bad age %q: negative", s)
	}
	return age, err
}
