package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// An age pass removes what has stayed in the spool longer than its limit
// (ferry gc, and the daemon and the caller as they run), and the markers
// and delivery proofs whose packet is gone. Per node, each group of files
// is handled under the lock of the process that makes them, so the pass
// never takes a packet from a call or a toss at work on it:
//
//	tx.lock    tx/<PKT> (tracked messages expire first), tx/hdr orphans
//	toss.lock  rx/<PKT>, rx/bad, tx/bad, rx/seen, rx/ferry-exec and rx/ferry-attempts orphans
//	rx.lock    rx/<PKT>.part, rx/<PKT>.nock, rx/hdr orphans
//	(none)     area/<AREA>/<MSG>; SPOOL/tmp; incoming .ferry* files
//
// A group is looked over without its lock first and locked only when
// something in it is due, so a pass over a clean spool takes no lock. A
// lock held elsewhere leaves that group for the next pass, logged and
// counted. Every removal is one log line with its reason. A pass killed
// at any point leaves a consistent spool: each removal is one unlink of
// a file nothing else refers to (a packet's header copy goes after it,
// and a header copy left alone is removed as an orphan later).

// AgeKind is a kind of file an age limit applies to; the values are the
// keys of the config's ferry-age.
type AgeKind string

const (
	AgeTx   AgeKind = "tx"
	AgeRx   AgeKind = "rx"
	AgeBad  AgeKind = "bad"
	AgePart AgeKind = "part"
	AgeNock AgeKind = "nock"
	AgeSeen AgeKind = "seen"
	AgeHdr  AgeKind = "hdr"
	AgeTmp  AgeKind = "tmp"
	AgeArea AgeKind = "area"
	// AgeOrphan is no limit: a claim on an exec handler or a delivered
	// file's proof whose packet is gone, removed whatever its age.
	AgeOrphan AgeKind = "orphan"
)

// TrackRemovedReason is what a tracked message removed by age says.
const TrackRemovedReason = "removed by age policy"

// AgeOptions shape one pass.
type AgeOptions struct {
	// Now is the pass's time (zero: time.Now()): tests move it on.
	Now time.Time
	// Limit is node's limit for kind, 0 for none (node is zero for tmp
	// and the incoming directories' files).
	Limit func(node packet.ID, kind AgeKind) time.Duration
	// Nodes are the node directories to pass over (nil: all there are).
	Nodes []packet.ID
	// Incoming are the directories toss delivers files to, where it
	// leaves delivery proofs and a killed writer its temporary file.
	Incoming []string
	// DryRun removes nothing and takes no lock: Removed still hears of
	// each file, and the log says "would remove".
	DryRun bool
	Log    *slog.Logger // nil: discard
	// Removed is told of each file removed (or that a dry run would).
	Removed func(Removal)
}

// Removal is one file a pass removed.
type Removal struct {
	Kind   AgeKind
	Node   packet.ID // zero for SPOOL/tmp and incoming files
	Pkt    packet.ID // zero for a file not named after a packet
	Path   string
	Age    time.Duration
	Reason string
}

// AgeResult counts what a pass did.
type AgeResult struct {
	Removed int
	Skipped int // groups of files left for the next pass: their lock was held
	Expired int // tracked messages whose queued packet went
}

// ApplyAges runs one pass. It goes on past a file it cannot remove and
// returns those errors joined; ctx stops it between two files.
func (s *Spool) ApplyAges(ctx context.Context, o AgeOptions) (AgeResult, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	p := &agePass{s: s, o: o, ctx: ctx}
	nodes := o.Nodes
	if nodes == nil {
		var err error
		if nodes, err = s.Nodes(); err != nil {
			return p.res, fmt.Errorf("age pass: %w", err)
		}
	}
	for _, n := range nodes {
		if ctx.Err() != nil {
			break
		}
		p.node(n)
	}
	if ctx.Err() == nil {
		p.tmp()
	}
	if ctx.Err() == nil {
		p.incoming()
	}
	p.errs = append(p.errs, ctx.Err())
	return p.res, errors.Join(p.errs...)
}

type agePass struct {
	s    *Spool
	o    AgeOptions
	ctx  context.Context
	res  AgeResult
	errs []error
	// probing: a group is looked over without its lock first, to see
	// whether anything is due (see locked); due says something was.
	probing, due bool
}

func (p *agePass) fail(err error) {
	if !p.probing { // the real run after the probe meets it again
		p.errs = append(p.errs, err)
	}
}

func (p *agePass) limit(node packet.ID, k AgeKind) time.Duration {
	if p.o.Limit == nil {
		return 0
	}
	return p.o.Limit(node, k)
}

func (p *agePass) node(n packet.ID) {
	p.locked(n, LockTx, "tx packets and header copies", func() {
		p.txPackets(n)
		p.hdrOrphans(n, TX)
	})
	p.locked(n, LockToss, "rx packets, bad entries, seen markers and exec claims", func() {
		p.queue(n, RX, AgeRx)
		p.bad(n)
		p.byAge(n, AgeSeen, filepath.Dir(p.s.seenPath(n, packet.ID{})), idName)
		p.execOrphans(n)
		p.attemptsOrphans(n)
	})
	p.locked(n, LockRx, ".part and .nock files and header copies", func() {
		p.partials(n)
		p.hdrOrphans(n, RX)
	})
	areas, err := os.ReadDir(filepath.Join(p.s.nodeDir(n), "area"))
	if err != nil && !os.IsNotExist(err) {
		p.fail(err)
	}
	for _, a := range areas {
		if id, err := packet.ParseID(a.Name()); err == nil && a.IsDir() {
			p.byAge(n, AgeArea, p.s.areaDir(n, id), idName)
		}
	}
}

// locked runs fn under node's lock of kind; held elsewhere, what fn
// would do waits for the next pass. A dry run takes no lock, as it must
// create no lock file.
func (p *agePass) locked(n packet.ID, kind LockKind, what string, fn func()) {
	if p.ctx.Err() != nil {
		return
	}
	if p.o.DryRun {
		fn()
		return
	}
	// A look without the lock first: a group with nothing due takes no
	// lock at all, so a pass over a clean spool never turns a call away
	// (a session takes its node's rx and tx locks without waiting), and
	// one with work holds the lock for its unlinks only.
	p.probing, p.due = true, false
	fn()
	p.probing = false
	if !p.due {
		return
	}
	unlock, err := p.s.Lock(n, kind)
	if err != nil {
		if errors.Is(err, ErrLocked) {
			p.res.Skipped++
			p.o.Log.Info("node busy: left for the next pass", "who", "gc", "node", n.String(), "what", what, "lock", string(kind))
			return
		}
		p.fail(err)
		return
	}
	defer unlock()
	fn()
}

// old reports whether a file modified at m is past the limit.
func (p *agePass) old(m time.Time, limit time.Duration) (time.Duration, bool) {
	age := p.o.Now.Sub(m)
	return age, limit > 0 && age >= limit
}

func (p *agePass) ageReason(k AgeKind, age, limit time.Duration) string {
	return fmt.Sprintf("%s old, past the %s age limit of %s", roundAge(age), k, roundAge(limit))
}

// remove unlinks one file (with drop, a packet: with its header copy)
// and says so.
func (p *agePass) remove(r Removal, drop func() error) {
	if p.ctx.Err() != nil {
		return
	}
	if p.probing {
		p.due = true
		return
	}
	if !p.o.DryRun {
		var err error
		if drop != nil {
			err = drop()
		} else if err = fsio.Unlink(r.Path); os.IsNotExist(err) {
			return // gone meanwhile: not ours to count
		}
		if err != nil {
			p.fail(fmt.Errorf("age pass: %w", err))
			return
		}
	}
	p.res.Removed++
	msg := "removed"
	if p.o.DryRun {
		msg = "would remove"
	}
	attrs := []any{"who", "gc", "kind", string(r.Kind), "path", r.Path, "reason", r.Reason}
	if !r.Node.IsZero() {
		attrs = append(attrs, "node", r.Node.String())
	}
	if !r.Pkt.IsZero() {
		attrs = append(attrs, "pkt", r.Pkt.String())
	}
	p.o.Log.Info(msg, attrs...)
	if p.o.Removed != nil {
		p.o.Removed(r)
	}
}

// roundAge writes an age for a log line: whole days past two days, else
// hours, minutes or seconds.
func roundAge(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}
