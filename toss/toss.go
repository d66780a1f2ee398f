// Package toss processes inbound packets: files land in incoming
// directories, exec packets feed handlers, file requests are answered,
// transit packets are relayed, area messages fan out and ACKs clear the
// sender's queue. It also fans out area messages we originated.
//
//	rx/<PKT> -> decrypt (streaming) -> dispatch by type -> durable result
//	        -> [seen marker] -> [ACK back] -> remove rx/<PKT>
//
// A packet is removed only after what it produced is durable. A packet
// that cannot be decrypted or authenticated is moved to rx/bad/ with one
// log line, so it never blocks the packets beside it and is kept for
// inspection.
package toss

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// TypeSet is a set of packet types.
type TypeSet uint16

// Has reports whether t is in the set.
func (s TypeSet) Has(t packet.Type) bool { return s&(1<<t) != 0 }

// With returns the set with t added.
func (s TypeSet) With(t packet.Type) TypeSet { return s | 1<<t }

// Options select what a toss does.
type Options struct {
	Node   *packet.ID   // only this node's rx queue
	Nice   uint8        // only packets with nice <= this (0 means 255)
	Skip   TypeSet      // leave packets of these types untouched
	DryRun bool         // decrypt and check, write nothing
	Seen   bool         // create rx/seen/<PKT> markers
	GenACK bool         // answer each tossed packet with an ACK (implies Seen)
	Reass  bool         // reassemble chunked files once all chunks are in
	Log    *slog.Logger // nil: discard
	Umask  uint32
	// Space tells the free space of incoming directories (nil:
	// spool.DiskSpace); the spool's own comes from its Options.
	Space spool.SpaceFunc
	// Progress, when set, is told how much of each packet was read, one
	// job per packet named "NODE PKT" (the id shortened).
	Progress packet.Progress
	// Now is the clock an exec handler's backoff is measured by (nil:
	// time.Now).
	Now func() time.Time
	// RetryNow runs a failed exec handler again without waiting for its
	// backoff (the limit of attempts still holds).
	RetryNow bool
	// Claimer is the ferry binary, started once per run as ClaimerName
	// to claim and start exec handlers (see ServeClaims); "": each
	// handler claims through /bin/sh.
	Claimer string
	// ExecJobs is how many exec handlers of one queue may run while
	// toss goes on with the next packets (0: one per core; 1: each
	// handler ends before the next packet is read, as in NNCP).
	ExecJobs int
	// WaitBusy is how long to wait for a node's toss lock that another
	// process holds (another toss, or the claimer of a killed one still
	// running its handlers) before giving the node up as not tossed,
	// logged and counted in Failed and Busy. 0 skips such a node at
	// once, quietly: autotoss runs beside other tosses by design.
	WaitBusy time.Duration
}

// Result counts what a toss did.
type Result struct {
	Tossed      map[packet.Type]int
	Failed      int
	SetAside    int
	Reassembled int
	NoRoom      int // left in rx (or chunks left) until space is freed; counted in Failed too
	OverQuota   int // left in rx: a reply or relay does not fit a tx quota; counted in Failed too
	Waiting     int // exec packets left in rx until their handler's backoff has passed; counted in Failed too
	Busy        int // queues not tossed: their toss lock stayed held past WaitBusy; counted in Failed too
}

// Tosser holds what one toss run needs.
type Tosser struct {
	ctx context.Context // Toss's: what the packets it sends in reply are made under
	sp  *spool.Spool
	c   *cfg.Config
	opt Options
	me  *packet.Identity
	q   *outbox.Outbox
	log *slog.Logger
	res Result
	// claims is the claimer process, started at the first exec packet;
	// noClaimer once it could not be.
	claims    *claimer
	noClaimer bool
	// queueLock is the toss lock of the queue being tossed, which the
	// claimer holds with each request it has not finished.
	queueLock *os.File
}

// ErrSomeFailed is returned when at least one packet could not be tossed.
var ErrSomeFailed = errors.New("some packets were not tossed")

// Toss processes the rx queues of every node (or opt.Node), then our own
// tx queue for area fan-out. It returns ErrSomeFailed if any packet failed.
func Toss(ctx context.Context, sp *spool.Spool, c *cfg.Config, opt Options) (Result, error) {
	if c.Self == nil {
		return Result{}, cfg.ErrNoPrivateKeys
	}
	if opt.Nice == 0 {
		opt.Nice = packet.NiceMax
	}
	if opt.ExecJobs <= 0 {
		opt.ExecJobs = c.ExecJobs // ferry-exec-jobs
	}
	if opt.ExecJobs <= 0 {
		opt.ExecJobs = defaultExecJobs()
	}
	// A carrier may bring a packet again until our ACK reaches its
	// sender: the seen marker makes the repeat a no-op.
	opt.Seen = opt.Seen || opt.GenACK
	opt.Reass = opt.Reass || c.AutoReass
	t := &Tosser{ctx: ctx, sp: sp, c: c, opt: opt, me: c.Self.Identity(), q: &outbox.Outbox{Spool: sp, Cfg: c}, log: opt.Log}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	t.res.Tossed = map[packet.Type]int{}
	defer t.closeClaimer()
	if !opt.DryRun {
		t.expire()
		t.failover()
	}
	nodes, err := sp.Nodes()
	if err != nil {
		return t.res, err
	}
	for _, node := range nodes {
		if ctx.Err() != nil {
			break
		}
		if opt.Node != nil && *opt.Node != node {
			continue
		}
		if node == t.me.ID {
			continue // self: handled below (rx of self is tossed too)
		}
		t.tossQueue(ctx, node, spool.RX, false)
	}
	if opt.Node == nil || *opt.Node == t.me.ID {
		t.tossQueue(ctx, t.me.ID, spool.RX, false)
		t.tossQueue(ctx, t.me.ID, spool.TX, true)
	}
	if opt.Reass && !opt.DryRun {
		t.reassemble()
	}
	if t.res.Failed > 0 {
		return t.res, ErrSomeFailed
	}
	return t.res, ctx.Err()
}

// tossQueue processes one queue under the node's toss lock; a lock held
// elsewhere means another toss is on it, so the node is skipped.
func (t *Tosser) tossQueue(ctx context.Context, node packet.ID, xx spool.XX, selfTx bool) {
	lock, unlock, err := t.lockQueue(ctx, node)
	if err != nil {
		if errors.Is(err, spool.ErrLocked) && t.opt.WaitBusy <= 0 {
			t.log.Debug("node is being tossed by another process", "who", "rx", "node", t.c.NodeName(node))
			return
		}
		if errors.Is(err, spool.ErrLocked) {
			t.res.Busy++
			t.res.Failed++
			t.log.Warn("node not tossed: another process holds its toss lock", "who", "rx",
				"node", t.c.NodeName(node), "waited", t.opt.WaitBusy.String())
			return
		}
		if ctx.Err() != nil {
			return
		}
		t.fail(node, packet.ID{}, err)
		return
	}
	defer unlock()
	t.queueLock = lock
	defer func() { t.queueLock = nil }()
	jobs, bad, err := t.sp.Jobs(node, xx)
	if err != nil {
		t.fail(node, packet.ID{}, err)
		return
	}
	for _, b := range bad {
		// A file with a packet's name and a damaged header would fail
		// the same way on every toss: set it aside like any refused
		// packet. Other errors (permissions, I/O) may pass; it stays.
		if permanent(b.Err) {
			t.setAside(node, xx, b.ID, fmt.Errorf("not a packet: %w", b.Err))
			continue
		}
		t.res.Failed++
		t.log.Error("not a packet", "who", "rx", "node", t.c.NodeName(node), "path", b.Path, "err", b.Err)
	}
	// Handlers still running are waited for, and their packets
	// finished, before the lock is released. With ExecJobs 1 (max 0)
	// each handler still ends before the next packet is read, as in
	// NNCP, and its packet is retired with a batch all the same: one
	// fsync of the claims per batch, not one per packet.
	running := &inflight{max: t.opt.ExecJobs - 1}
	defer running.drain()
	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		if j.Nice > t.opt.Nice {
			continue
		}
		if r := t.tossOne(node, xx, j, selfTx, true); r != nil {
			running.add(r)
		}
	}
}

// lockQueue takes node's toss lock, waiting up to WaitBusy, polling,
// while another process holds it. (A blocking flock would not heed ctx.)
func (t *Tosser) lockQueue(ctx context.Context, node packet.ID) (*os.File, func(), error) {
	deadline := time.Now().Add(t.opt.WaitBusy)
	for {
		lock, unlock, err := t.sp.LockFile(node, spool.LockToss)
		if !errors.Is(err, spool.ErrLocked) || !time.Now().Before(deadline) {
			return lock, unlock, err
		}
		tick := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			tick.Stop()
			return nil, nil, ctx.Err()
		case <-tick.C:
		}
	}
}

func (t *Tosser) fail(node, pkt packet.ID, err error) {
	if errors.Is(err, spool.ErrQuotaFull) { // a receipt or ACK that does not fit
		t.overQuota(node, pkt, err)
		return
	}
	t.res.Failed++
	attrs := []any{"who", "rx", "node", t.c.NodeName(node), "err", err}
	if !pkt.IsZero() {
		attrs = append(attrs, "pkt", pkt.String())
	}
	t.log.Error("toss failed", attrs...)
}

// setAside moves a packet that can never be processed to rx/bad/.
func (t *Tosser) setAside(node packet.ID, xx spool.XX, id packet.ID, err error) {
	t.res.SetAside++
	t.res.Failed++
	attrs := []any{"who", "rx", "node", t.c.NodeName(node), "pkt", id.String()}
	if t.opt.DryRun {
		t.log.Error("packet refused (dry run: left in place)", append(attrs, "err", err)...)
		return
	}
	moved, merr := t.sp.SetAside(node, xx, id)
	if merr != nil {
		t.log.Error("packet refused, and could not be set aside", append(attrs, "err", errors.Join(err, merr))...)
		return
	}
	t.log.Error("packet refused, set aside", append(attrs, "path", moved, "err", err)...)
}

// permanent reports errors that retrying cannot fix: the packet itself is
// forged, damaged or not for us.
func permanent(err error) bool {
	for _, e := range []error{packet.ErrWrongRecipient, packet.ErrUnknownSender, packet.ErrBadSignature,
		packet.ErrBlockAuth, packet.ErrBadSize, packet.ErrTruncated, packet.ErrTrailingData,
		packet.ErrBadPadding, packet.ErrBadMagic, packet.ErrOldEncrypted, packet.ErrShortHeader,
		packet.ErrXDRRange, ErrRefused} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// ErrRefused marks content we will never process (unsafe paths, unknown
// handles): the packet is set aside rather than retried forever.
var ErrRefused = errors.New("refused")

func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, a...))
}

// claimer is the run's claimer process, started on first use; nil when
// handlers claim through the shell.
func (t *Tosser) claimer() *claimer {
	if t.claims != nil || t.noClaimer || t.opt.Claimer == "" {
		return t.claims
	}
	c, err := startClaimer(t.opt.Claimer)
	if err != nil {
		t.noClaimer = true
		t.log.Warn("handlers claim through the shell instead", "who", "rx-exec", "err", err)
		return nil
	}
	t.claims = c
	return c
}

func (t *Tosser) closeClaimer() {
	if t.claims == nil {
		return
	}
	if err := t.claims.close(); err != nil {
		t.log.Warn("claimer did not end cleanly", "who", "rx-exec", "err", err)
	}
}
