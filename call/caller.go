package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/ferry-dtn/ferry/call/cron"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Caller makes the calls that the config's `calls` entries schedule.
type Caller struct {
	Spool    *spool.Spool
	Cfg      *cfg.Config
	Log      *slog.Logger
	Dial     func(ctx context.Context, addr string) (io.ReadWriteCloser, error) // nil: DialTimeout with Deadline
	AutoToss func(cfg.Call) func()                                              // an entry's Options.AutoToss (nil: none); nil: none
	Learned  func(packet.ID) []string                                           // MCD-learned addresses, tried first; nil: none
	Deadline time.Duration                                                      // the sessions' Options.Deadline and the dial's
	Clock    Clock                                                              // when the cron entries fire; nil: the real clock
	Ages     *AgeKeeper                                                         // applies the config's age limits as the caller runs; nil: none

	mu      sync.Mutex
	running map[string]bool // node name -> a call is in progress
}

// Run schedules every calls entry of the given nodes until ctx ends.
func (c *Caller) Run(ctx context.Context, nodes []*cfg.Node) error {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Dial == nil {
		c.Dial = func(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
			return DialTimeout(ctx, addr, deadlineOr(c.Deadline))
		}
	}
	c.Clock = clockOr(c.Clock)
	c.running = map[string]bool{}
	// Every entry is parsed before any loop starts: a bad one is
	// reported with nothing left running.
	type scheduled struct {
		node  *cfg.Node
		entry cfg.Call
		expr  *cron.Expr
	}
	var all []scheduled
	for _, node := range nodes {
		for _, entry := range node.Calls {
			expr, err := cron.Parse(entry.Cron)
			if err != nil {
				return fmt.Errorf("caller: %s: calls entry %q: %w", node.Name, entry.Cron, err)
			}
			all = append(all, scheduled{node, entry, expr})
		}
	}
	if len(all) == 0 {
		return errors.New("caller: no calls entries in the config for these nodes")
	}
	stopAges := c.Ages.start(ctx, c.Clock)
	defer stopAges()
	var wg sync.WaitGroup
	for _, e := range all {
		wg.Go(func() { c.loop(ctx, e.node, e.entry, e.expr) })
	}
	wg.Wait()
	return nil
}

func (c *Caller) loop(ctx context.Context, node *cfg.Node, entry cfg.Call, expr *cron.Expr) {
	for {
		now := c.Clock.Now()
		next, err := expr.Next(now)
		if err != nil {
			c.Log.Error("no next time", "who", "caller", "node", node.Name, "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-c.Clock.After(next.Sub(now)):
		}
		c.once(ctx, node, entry)
	}
}

// due reports whether the entry's call is to be made now: always, except
// a when-tx-exists entry that would send (xx is not rx) with nothing
// queued at its niceness or more urgent. An rx-only call sends nothing,
// so what is queued cannot decide it: it is made, as NNCP's caller means
// to (8.8.2's check for it compares the wrong string and never calls;
// ferry(1) lists this among the differences). A queue that cannot be
// listed is logged and called anyway: a call too many costs less than a
// queue left waiting.
func (c *Caller) due(node *cfg.Node, entry cfg.Call) bool {
	if !entry.WhenTxExists || entry.XX == "rx" {
		return true
	}
	// Most urgent first: the first packet decides, and a queue of a
	// million is not listed whole for it.
	due := false
	bad, err := c.Spool.EachJob(node.ID, spool.TX, func(j spool.Job) bool {
		due = j.Nice <= entry.Nice
		return false
	})
	if err != nil {
		c.Log.Error("cannot list the tx queue: calling anyway", "who", "caller", "node", node.Name, "err", err)
		return true
	}
	for _, b := range bad {
		c.Log.Error("not a packet", "who", "caller", "node", node.Name, "path", b.Path, "err", b.Err)
	}
	return due
}

func (c *Caller) once(ctx context.Context, node *cfg.Node, entry cfg.Call) {
	if !c.due(node, entry) {
		c.Log.Debug("nothing queued: call skipped", "who", "caller", "node", node.Name)
		return
	}
	c.mu.Lock()
	if c.running[node.Name] {
		c.mu.Unlock()
		return
	}
	c.running[node.Name] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.running, node.Name)
		c.mu.Unlock()
	}()
	opt := Options{Nice: entry.Nice, RxOnly: entry.XX == "rx", TxOnly: entry.XX == "tx",
		RxRate: entry.RxRate, TxRate: entry.TxRate, NoCK: entry.NoCK, Log: c.Log, Deadline: c.Deadline,
		OnlineDeadline: entry.OnlineDeadline, MaxOnlineTime: entry.MaxOnlineTime}
	if c.AutoToss != nil { // it decides, as flags may ask for tosses the entry does not
		opt.AutoToss = c.AutoToss(entry)
	}
	addrs := addresses(node, entry)
	if c.Learned != nil && !entry.MCDIgnore {
		addrs = append(c.Learned(node.ID), addrs...)
	}
	for _, addr := range addrs {
		var dialErr error // the dial is made once the session's first words are ready (CallDial)
		_, err := CallDial(ctx, c.Spool, c.Cfg, node, func(ctx context.Context) (io.ReadWriteCloser, error) {
			conn, err := c.Dial(ctx, addr)
			dialErr = err
			return conn, err
		}, opt)
		if dialErr != nil {
			c.Log.Error("dial failed", "who", "caller", "node", node.Name, "addr", addr, "err", dialErr)
			continue
		}
		if err == nil {
			return
		}
		// A session cut or left unfinished is a failed call too (what it
		// left is resumed by the next one). Only a call that never got a
		// session goes on to the next address.
		c.Log.Error("call failed", "who", "caller", "node", node.Name, "addr", addr, "err", err)
		var se *SessionError
		if errors.As(err, &se) {
			return
		}
	}
}

// addresses: the entry's addr (a name in addrs, or literal), else every
// address of the node, in name order.
func addresses(node *cfg.Node, entry cfg.Call) []string {
	if entry.Addr != "" {
		if a, ok := node.Addrs[entry.Addr]; ok {
			return []string{a}
		}
		return []string{entry.Addr}
	}
	return AddrsByName(node)
}

// AddrsByName is every address of the node, in the order of their names:
// the order in which a call without a chosen address tries them.
func AddrsByName(node *cfg.Node) []string {
	keys := make([]string, 0, len(node.Addrs))
	for k := range node.Addrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, node.Addrs[k])
	}
	return out
}
