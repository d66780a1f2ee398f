package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/call/mcd"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func runCall(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[options] NODE[:ADDRNAME] [ADDR]")
	g.takesArgs(1, 2)
	var nice uint8
	fs.Var(newNice(&nice, packet.NiceMax), "nice", "exchange only packets up to `NICE`")
	rx := fs.Bool("rx", false, "only receive")
	tx := fs.Bool("tx", false, "only send")
	list := fs.Bool("list", false, "only list the packets the node offers")
	pkts := fs.String("pkts", "", "fetch only these packet ids `PKT,...`")
	rxRate := fs.Int("rxrate", 0, "at most `N` received payloads per second")
	txRate := fs.Int("txrate", 0, "at most `N` sent payloads per second")
	deadline := fs.Int("onlinedeadline", 0, "end after `SEC` seconds idle (default: the node's, 10)")
	maxTime := fs.Int("maxonlinetime", 0, "end after `SEC` seconds in any case")
	nock := fs.Bool("nock", false, "do not checksum during the session")
	ucspi := fs.Bool("ucspi", false, "talk over file descriptors 6 (in) and 7 (out), as under ucspi-tcp's tcpclient")
	mcdWait := fs.Int("mcd-wait", 0, "wait up to `SEC` seconds for the node's multicast announcement (mcd-listen interfaces) and call the address it gives")
	at := addAutoTossFlags(fs)
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 || (*rx && *tx) {
		return usageErrorf("want NODE[:ADDRNAME] [ADDR], and at most one of --rx and --tx")
	}
	if fs.NArg() == 2 {
		// Refused as in the config, before anything is opened or dialled.
		if err := cfg.CheckAddr(fs.Arg(1)); err != nil {
			return usageErrorf("%s: %v", fs.Arg(1), err)
		}
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	name, addrName, _ := strings.Cut(fs.Arg(0), ":")
	node, err := e.c.FindNode(name)
	if err != nil {
		return err
	}
	var addrs []string
	switch {
	case fs.NArg() == 2:
		addrs = []string{fs.Arg(1)}
	case addrName != "":
		a, ok := node.Addrs[addrName]
		if !ok {
			return fmt.Errorf("call: %s has no address named %q", node.Name, addrName)
		}
		addrs = []string{a}
	default:
		addrs = call.AddrsByName(node)
	}
	if *mcdWait > 0 {
		learned, err := waitMCD(ctx, e, node.ID, time.Duration(*mcdWait)*time.Second)
		if err != nil {
			return err
		}
		addrs = append(learned, addrs...)
	}
	if *ucspi {
		addrs = []string{ucspiAddr}
	}
	if len(addrs) == 0 {
		return withHint(fmt.Errorf("call: no address for %s", node.Name), "give one: ferry call %s HOST:PORT, or add addrs to its config", node.Name)
	}
	opt := call.Options{Nice: nice, RxOnly: *rx, TxOnly: *tx, List: *list, NoCK: *nock,
		RxRate: *rxRate, TxRate: *txRate, Log: e.log, Deadline: g.deadline,
		OnlineDeadline: time.Duration(*deadline) * time.Second, MaxOnlineTime: time.Duration(*maxTime) * time.Second}
	if *pkts != "" {
		opt.Pkts = map[packet.ID]bool{}
		for _, p := range splitComma(*pkts) {
			id, err := packet.ParseID(p)
			if err != nil {
				return usageErrorf("--pkts: %q: %v", p, err)
			}
			opt.Pkts[id] = true
		}
	}
	if at.on {
		tosser, stopTossing := startTosser(ctx, e)
		defer stopTossing() // the session's last toss runs before the command ends
		opt.AutoToss = tosser.hook(at.autoToss)
	}
	var bars *progress
	if g.showProgress(e.c) {
		bars = &progress{w: g.Stderr, node: node.Name}
		opt.Progress = bars.draw
		show(bars)
		defer show(nil)
	}
	var errs []error
	for _, addr := range addrs {
		// The connection is made once the session's first words are
		// ready (see call.CallDial), and closed when it ends.
		st, err := call.CallDial(ctx, e.sp, e.c, node, func(ctx context.Context) (io.ReadWriteCloser, error) {
			return dialAddr(ctx, addr, g.deadline)
		}, opt)
		if bars != nil {
			bars.clear()
		}
		// Until a session is established the next address is worth a
		// try; after that, as nncp-call, the session is the call's result.
		var se *call.SessionError
		if err != nil && !errors.As(err, &se) && !errors.Is(err, context.Canceled) {
			// In the log too, as the daemon's caller logs its failed
			// dials: the log is where a cron job's failures are looked
			// for. Not echoed: the command's error shows it.
			slog.New(e.jh.Unechoed()).Error("call failed", "who", "call", "node", node.Name, "addr", addr, "err", err)
			errs = append(errs, spool.WrapPath("", addr, err))
			continue
		}
		if !g.quiet {
			fmt.Fprintf(g.Stderr, "%s: received %d packets (%s), sent %d packets (%s) in %s\n", node.Name,
				st.RxPkts, humanSize(st.RxBytes), st.TxPkts, humanSize(st.TxBytes), st.Duration.Round(time.Millisecond))
		}
		if err != nil {
			return fmt.Errorf("call %s: %w", node.Name, err) // a *call.SessionError: see report
		}
		if st.OverQuota > 0 {
			return withHint(fmt.Errorf("call %s: %d offered packets not requested: they do not fit in the rx quota", node.Name, st.OverQuota),
				"toss what was received (ferry toss), or raise ferry-quota's rx-bytes/rx-packets; they stay queued at %s and come on a later call", node.Name)
		}
		if st.NoRoom > 0 {
			return withHint(fmt.Errorf("call %s: %d offered packets not requested: they do not fit in the spool's free space above the reserve", node.Name, st.NoRoom),
				"free space in the spool (or lower ferry-reserve); they stay queued at %s and come on a later call", node.Name)
		}
		return nil
	}
	return fmt.Errorf("call %s: %w", node.Name, errors.Join(errs...))
}

// waitMCD listens on the mcd-listen interfaces for node's announcement.
func waitMCD(ctx context.Context, e *localNode, id packet.ID, d time.Duration) ([]string, error) {
	ifaces, err := mcd.Interfaces(e.c.MCDListen)
	if err != nil {
		return nil, err
	}
	if len(ifaces) == 0 {
		return nil, withHint(errors.New("call: --mcd-wait: no interface matches mcd-listen"), "set mcd-listen in the config, e.g. [\"eth.*\"]")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	book := mcd.NewBook()
	if err := book.Listen(ctx, ifaces, func(p packet.ID) bool { return p == id }); err != nil {
		return nil, fmt.Errorf("call: mcd: %w", err)
	}
	defer book.Stop()
	return book.Wait(ctx, id, d), nil
}

const ucspiAddr = "ucspi:6,7"

// dialAddr is call.DialTimeout plus the ucspi descriptors.
func dialAddr(ctx context.Context, addr string, deadline time.Duration) (io.ReadWriteCloser, error) {
	if addr == ucspiAddr {
		return fdConn{os.NewFile(6, "ucspi-in"), os.NewFile(7, "ucspi-out")}, nil
	}
	if deadline <= 0 {
		deadline = call.DefaultDeadline
	}
	return call.DialTimeout(ctx, addr, deadline)
}

type fdConn struct{ in, out *os.File }

func (c fdConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c fdConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c fdConn) Close() error                { return errors.Join(c.in.Close(), c.out.Close()) }
