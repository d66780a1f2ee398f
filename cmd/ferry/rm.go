package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// rmHold is how many log records and stderr lines rm writes at once.
const rmHold = 512

func runRm(ctx context.Context, g *globals, args []string) (rerr error) {
	fs := g.flags("[options] --all | --node NODE  [--rx] [--tx] [--part] [--nock] [--seen] [--hdr] [--area] [--lock] [--pkt] | --tmp | --lock | --policy")
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
	policy := fs.Bool("policy", false, "apply the config's age limits (ferry-age) once, as ferry gc does")
	if err := g.parse(args); err != nil {
		return err
	}
	if *policy {
		if *all || *node != "" || *tmp || *lock || *part || *nock || *seen || *hdr || *area || *rx || *tx || *pkt || *older != "" {
			return usageErrorf("--policy takes only --dryrun: the config says what goes")
		}
		e, err := g.open(ctx)
		if err != nil {
			return err
		}
		return applyAges(ctx, g, e, *dry)
	}
	var age time.Duration
	if *older != "" {
		var err error
		if age, err = parseAge(*older); err != nil {
			return usageErrorf("--older: %v", err)
		}
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	removed := 0
	var failed []error
	// One log record and one stderr line per file removed, as NNCP
	// writes them, but written rmHold at a time: a lock, a write and an
	// unlock of the log per record, and a write to stderr, were a sixth
	// of the CPU of removing a million packets. Whatever is held is
	// written before rm returns, on every path (an error record at once).
	held := &heldLines{max: rmHold}
	g.held = held
	if err := e.jh.Hold(rmHold); err != nil {
		return fmt.Errorf("rm: write the log: %w", err)
	}
	defer func() {
		g.flushEcho()
		g.held = nil
		if err := e.jh.Hold(0); err != nil && rerr == nil {
			rerr = fmt.Errorf("rm: write the log: %w", err)
		}
	}()
	var shown rmProgress
	if !*dry && g.showProgress(e.c) {
		shown.w, shown.held = g.Stderr, held.take
		held.prefix = "\r\033[K" // lines written between redraws wipe the count first
	}
	defer shown.done()
	opt := spool.CleanOptions{Older: age, DryRun: *dry, Reason: "removed by ferry rm", Found: func(p string) {
		if *dry {
			fmt.Fprintln(g.Stdout, p)
			return
		}
		e.log.Info("removed", "who", "rm", "path", p)
		shown.one()
	}}
	counted := func(n int, err error) {
		removed += n
		if err != nil {
			failed = append(failed, err)
		}
	}
	var nodes []packet.ID
	switch {
	case *all:
		if nodes, err = e.sp.Nodes(); err != nil {
			return err
		}
	case *node != "":
		n, err := e.c.FindNode(*node)
		if err != nil {
			return err
		}
		nodes = []packet.ID{n.ID}
	case *pkt:
	case *tmp || *lock:
		if *lock {
			if nodes, err = e.sp.Nodes(); err != nil {
				return err
			}
		}
	default:
		return usageErrorf("say what to remove: --all or --node NODE with what, or --tmp, --lock")
	}
	var kinds spool.Kinds
	for _, k := range []struct {
		on   bool
		kind spool.Kinds
	}{
		{*tmp, spool.TmpFiles}, {*lock, spool.LockFiles}, {*part, spool.PartFiles}, {*nock, spool.NockFiles},
		{*seen, spool.SeenMarkers}, {*hdr, spool.HdrCopies}, {*area, spool.AreaMarkers},
		{*rx, spool.RxPackets}, {*tx, spool.TxPackets},
	} {
		if k.on {
			kinds |= k.kind
		}
	}
	counted(e.sp.Clean(nodes, kinds, opt))
	if *pkt {
		if err := rmListed(e, nodes, func(n packet.ID, xx spool.XX, id packet.ID) {
			counted(e.sp.CleanPacket(n, xx, id, opt))
		}); err != nil {
			return err
		}
	}
	shown.done()
	g.flushEcho()
	if err := errors.Join(failed...); err != nil {
		return fmt.Errorf("rm: %w", err)
	}
	if !g.quiet && !*dry {
		fmt.Fprintf(g.Stderr, "%d removed\n", removed)
	}
	return nil
}

// rmListed removes packets named on stdin from rx and tx of the nodes.
func rmListed(e *localNode, nodes []packet.ID, remove func(packet.ID, spool.XX, packet.ID)) error {
	sc := bufio.NewScanner(e.Stdin)
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
			if targets, err = e.sp.Nodes(); err != nil {
				return err
			}
		}
		for _, n := range targets {
			for _, xx := range []spool.XX{spool.RX, spool.TX} {
				remove(n, xx, id)
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
