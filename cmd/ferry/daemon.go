package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"sync"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/call/mcd"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

func runDaemon(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--bind ADDR] [--metrics ADDR] [--maxconn N] [--maxpending N] [--maxpending-per-addr N] [--nice NICE] [--inetd] [--nock] [--autotoss [--autotoss-...]] [--mcd-once]")
	bind := fs.String("bind", "[::]:5400", "listen on `ADDR`")
	maxConn := fs.Int("maxconn", call.DefaultMaxConn, "at most `N` sessions at once")
	maxPending := fs.Int("maxpending", call.DefaultMaxPending, "at most `N` connections still in their handshake (the oldest silent one makes room)")
	perAddr := fs.Int("maxpending-per-addr", call.DefaultMaxPendingPerAddr, "at most `N` of those from one address (an IPv6 /64)")
	var nice uint8
	fs.Var(newNice(&nice, packet.NiceMax), "nice", "exchange only packets up to `NICE`")
	inetd := fs.Bool("inetd", false, "serve one session on stdin/stdout (inetd, ucspi-tcp, ssh)")
	fs.Bool("ucspi", false, "same as --inetd")
	nock := fs.Bool("nock", false, "do not checksum during sessions (ferry check --nock later)")
	at := addAutoTossFlags(fs)
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics on http://`ADDR`/metrics")
	mcdOnce := fs.Bool("mcd-once", false, "send one round of the config's mcd-send announcements, from --bind's port, and exit")
	if err := g.parse(args); err != nil {
		return err
	}
	if *metricsAddr != "" && *inetd {
		return usageErrorf("--metrics needs a listening daemon, not --inetd")
	}
	if u, _ := fs.GetBool("ucspi"); u {
		*inetd = true
	}
	if *mcdOnce && *inetd {
		return usageErrorf("--mcd-once announces a listening daemon; it does not go with --inetd")
	}
	if *maxConn < 1 || *maxPending < 1 || *perAddr < 1 {
		return usageErrorf("--maxconn, --maxpending and --maxpending-per-addr must be at least 1")
	}
	if err := cfg.CheckAddr(*bind); err != nil { // as in the config, not "another daemon may be running"
		return usageErrorf("--bind %s: %v", *bind, err)
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	if *mcdOnce {
		return announceOnce(e, *bind)
	}
	opt := call.Options{Nice: nice, NoCK: *nock, Log: e.log, Deadline: g.deadline}
	ctr := newDaemonCounters() // served by --metrics
	if at.on {
		tosser, stopTossing := startCountedTosser(ctx, e, ctr.tossed)
		defer stopTossing() // every session's tosses, one at a time, for all of them
		opt.AutoToss = tosser.hook(at.autoToss)
	}
	if *inetd {
		_, err := call.Serve(ctx, e.sp, e.c, inetdConn{e.streams}, opt)
		return err
	}
	l, err := net.Listen("tcp", *bind)
	if err != nil {
		return withHint(fmt.Errorf("daemon: %w", err), "another daemon may be running; try --bind 127.0.0.1:5401")
	}
	fmt.Fprintf(g.Stdout, "listening on %s\n", l.Addr())
	if *metricsAddr != "" {
		wait, err := serveMetrics(ctx, *metricsAddr, e, ctr, g.Stdout)
		if err != nil {
			_ = l.Close() // nothing was accepted on it yet
			return err
		}
		defer wait()
	}
	checkOpenFiles(e.log, *maxConn, *maxPending)
	stopAnnouncing := announce(ctx, e, l.Addr().(*net.TCPAddr).Port)
	defer stopAnnouncing()
	d := &call.Daemon{MaxConn: *maxConn, MaxPending: *maxPending, MaxPendingPerAddr: *perAddr, Log: e.log,
		Refused: ctr.refusal,
		Ages:    &call.AgeKeeper{Spool: e.sp, Cfg: e.c, Log: e.log, Also: failoverPass(e), Removed: ctr.ageRemoval}, // the config's ferry-age and failover, hourly
		Serve: func(ctx context.Context, conn net.Conn) error {
			st, err := call.Serve(ctx, e.sp, e.c, conn, opt)
			var se *call.SessionError
			if errors.As(err, &se) { // a session took place: say how it ended, here
				ctr.session(st, err)
				logSession(e, st, conn.RemoteAddr().String(), se)
				return nil
			}
			if err == nil {
				ctr.session(st, nil)
			}
			return err // no session: the daemon counts and logs refusals
		}}
	return d.Run(ctx, l)
}

// inetdConn is the session stream of an inetd-style daemon: its stdin
// and stdout.
type inetdConn struct{ s streams }

func (c inetdConn) Read(p []byte) (int, error)  { return c.s.Stdin.Read(p) }
func (c inetdConn) Write(p []byte) (int, error) { return c.s.Stdout.Write(p) }

func (c inetdConn) Close() error {
	var errs []error
	if in, ok := c.s.Stdin.(io.Closer); ok {
		errs = append(errs, in.Close())
	}
	if out, ok := c.s.Stdout.w.(io.Closer); ok {
		errs = append(errs, out.Close())
	}
	return errors.Join(errs...)
}

// announce starts MCD announcements on the interfaces the config's
// mcd-send names; the function it returns stops them and waits.
func announce(ctx context.Context, e *localNode, port int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, m := range e.c.MCDSend {
		ifaces, err := mcd.Interfaces([]*regexp.Regexp{m.Iface})
		if err != nil || len(ifaces) == 0 {
			e.log.Debug("no interface for mcd-send", "who", "mcd", "iface", m.Iface.String())
			continue
		}
		wg.Go(func() {
			if err := mcd.Announce(ctx, ifaces, e.c.Self.ID, port, m.Interval, e.log); err != nil {
				e.log.Error("mcd announce", "who", "mcd", "iface", m.Iface.String(), "err", err)
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// logSession logs a session that did not end well in one line, "session
// cut" (or failed, interrupted, ended unfinished; see
// call.SessionError.What) with what was left and why; the daemon goes on
// serving.
func logSession(e *localNode, st call.Stats, addr string, se *call.SessionError) {
	args := []any{"who", "daemon", "addr", addr, "node", st.Node}
	if !se.Left.Empty() {
		args = append(args, "left", se.Left.String())
	}
	if se.Err != nil {
		args = append(args, "err", se.Err)
	}
	e.log.Error(se.What(), args...)
}
