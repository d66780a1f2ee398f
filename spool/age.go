package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
//	toss.lock  rx/<PKT>, rx/bad, tx/bad, rx/seen, rx/ferry-exec orphans
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

// txPackets removes node's old outbound packets: the tracked messages
// among them expire first, in one transaction (see TrackRemoved).
func (p *agePass) txPackets(n packet.ID) {
	limit := p.limit(n, AgeTx)
	if limit <= 0 {
		return
	}
	files, err := p.s.QueueFiles(n, TX)
	if err != nil {
		p.fail(err)
		return
	}
	var due []QueueFile
	var ids []packet.ID
	for _, f := range files {
		if _, ok := p.old(f.ModTime, limit); ok {
			due, ids = append(due, f), append(ids, f.ID)
		}
	}
	if len(due) == 0 {
		return
	}
	if p.probing {
		p.due = true
		return
	}
	if !p.o.DryRun {
		expired, err := p.s.TrackRemoved(n, ids, TrackRemovedReason, p.o.Now)
		if err != nil {
			// Untracked removal would leave records saying queued for
			// packets that are gone: keep the packets this pass.
			p.fail(fmt.Errorf("age pass: tx of %s: %w", n, err))
			return
		}
		for _, r := range expired {
			p.res.Expired++
			p.o.Log.Info("tracked message expired", "who", "gc", "node", n.String(), "pkt", r.ID.String(), "reason", r.Reason)
		}
	}
	for _, f := range due {
		age, _ := p.old(f.ModTime, limit)
		p.remove(Removal{Kind: AgeTx, Node: n, Pkt: f.ID, Path: f.Path, Age: age, Reason: p.ageReason(AgeTx, age, limit)},
			func() error { return p.s.Remove(n, TX, f.ID) })
	}
}

// queue removes node's old packets of an xx queue that nothing tracks.
func (p *agePass) queue(n packet.ID, xx XX, k AgeKind) {
	limit := p.limit(n, k)
	if limit <= 0 {
		return
	}
	files, err := p.s.QueueFiles(n, xx)
	if err != nil {
		p.fail(err)
		return
	}
	for _, f := range files {
		if age, ok := p.old(f.ModTime, limit); ok {
			p.remove(Removal{Kind: k, Node: n, Pkt: f.ID, Path: f.Path, Age: age, Reason: p.ageReason(k, age, limit)},
				func() error { return p.s.Remove(n, xx, f.ID) })
		}
	}
}

func (p *agePass) bad(n packet.ID) {
	for _, xx := range []XX{RX, TX} {
		p.byAge(n, AgeBad, p.s.badDir(n, xx), idName)
	}
}

func (p *agePass) partials(n packet.ID) {
	files, err := p.s.PartialFiles(n)
	if err != nil {
		p.fail(err)
		return
	}
	for _, f := range files {
		k := AgePart
		if f.Nock {
			k = AgeNock
		}
		limit := p.limit(n, k)
		if age, ok := p.old(f.ModTime, limit); ok {
			p.remove(Removal{Kind: k, Node: n, Pkt: f.ID, Path: f.Path, Age: age, Reason: p.ageReason(k, age, limit)}, nil)
		}
	}
}

// hdrOrphans removes old header copies whose packet is gone (a removal
// killed between the two unlinks) and header files half written. The
// copy of a packet still queued stays, whatever its age: a listing
// would only write it again. The queue is listed once, by name only: a
// stat per header copy would cost a million on a big queue. A packet
// queued since the listing has a young header copy, which stays.
func (p *agePass) hdrOrphans(n packet.ID, xx XX) {
	if p.limit(n, AgeHdr) <= 0 {
		return
	}
	queued := map[string]struct{}{}
	d, err := os.Open(p.s.queueDir(n, xx))
	if err != nil {
		if !os.IsNotExist(err) {
			p.fail(err)
		}
		return
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		p.fail(err) // an unreadable queue would make every copy look orphaned
		return
	}
	for _, name := range names {
		queued[name] = struct{}{}
	}
	p.byAge(n, AgeHdr, filepath.Dir(p.s.hdrPath(n, xx, packet.ID{})), func(name string) (packet.ID, bool) {
		if id, ok := idName(name); ok {
			_, live := queued[name]
			return id, !live
		}
		t, dot := strings.CutPrefix(name, ".")
		t, tmp := strings.CutSuffix(t, ".tmp")
		if !dot || !tmp {
			return packet.ID{}, false
		}
		return idName(t) // writeHdr's temporary name
	})
}

// execOrphans removes claims on exec handlers whose packet is gone: a
// toss killed after the packet went, before the claim did. Under the
// toss lock no toss is running that could be about to use one.
func (p *agePass) execOrphans(n packet.ID) {
	dir := filepath.Dir(p.s.ExecMarker(n, packet.ID{}).Path())
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			p.fail(err)
		}
		return
	}
	for _, e := range ents {
		id, ok := idName(e.Name())
		if !ok || p.s.Has(n, RX, id) || p.s.Has(n, TX, id) {
			continue // the self node's area fan-out claims for packets in its tx
		}
		p.remove(Removal{Kind: AgeOrphan, Node: n, Pkt: id, Path: filepath.Join(dir, e.Name()),
			Reason: "claim on an exec handler whose packet is gone"}, nil)
	}
}

// byAge removes the entries of dir that match names and are past node's
// limit for k.
func (p *agePass) byAge(n packet.ID, k AgeKind, dir string, match func(string) (packet.ID, bool)) {
	limit := p.limit(n, k)
	if limit <= 0 {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			p.fail(err)
		}
		return
	}
	for _, e := range ents {
		if p.ctx.Err() != nil {
			return
		}
		id, ok := match(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		if age, ok := p.old(info.ModTime(), limit); ok {
			p.remove(Removal{Kind: k, Node: n, Pkt: id, Path: filepath.Join(dir, e.Name()), Age: age, Reason: p.ageReason(k, age, limit)}, nil)
		}
	}
}

func idName(name string) (packet.ID, bool) {
	if len(name) != 52 {
		return packet.ID{}, false
	}
	id, err := packet.ParseID(name)
	return id, err == nil
}

// tmp removes old files of SPOOL/tmp: writers that died.
func (p *agePass) tmp() {
	limit := p.limit(packet.ID{}, AgeTmp)
	if limit <= 0 {
		return
	}
	files, err := p.s.TmpFiles()
	if err != nil {
		p.fail(err)
		return
	}
	for _, f := range files {
		if age, ok := p.old(f.ModTime, limit); ok {
			p.remove(Removal{Kind: AgeTmp, Path: f.Path, Age: age, Reason: p.ageReason(AgeTmp, age, limit)},
				func() error { return os.RemoveAll(f.Path) })
		}
	}
}

// incoming walks the incoming directories for what toss leaves there:
// a delivery proof whose packet is gone from every queue (a toss killed
// after its packet went, or after its seen marker, with --seen), and a
// temporary file of a writer that died, past the tmp limit. A proof is
// looked at before its packet: it is made while the packet is queued, so
// a packet missing after its proof was seen is gone for good.
func (p *agePass) incoming() {
	tmpLimit := p.limit(packet.ID{}, AgeTmp)
	var nodes []packet.ID
	walked := map[string]bool{}
	for _, dir := range p.o.Incoming {
		if dir == "" || walked[dir] {
			continue
		}
		walked[dir] = true
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == dir {
					return nil
				}
				p.fail(err)
				return nil
			}
			if p.ctx.Err() != nil {
				return filepath.SkipAll
			}
			if !d.Type().IsRegular() {
				return nil
			}
			name := d.Name()
			if key, ok := fsio.ParseDeliveryProof(name); ok {
				pkt, ok := proofPacket(key)
				if !ok {
					return nil
				}
				if nodes == nil {
					if nodes, err = p.s.Nodes(); err != nil {
						p.fail(err)
						return filepath.SkipAll
					}
				}
				if !p.queued(nodes, pkt) {
					p.remove(Removal{Kind: AgeOrphan, Pkt: pkt, Path: path, Reason: "proof of a delivered file whose packet is gone"}, nil)
				}
				return nil
			}
			if tmpLimit > 0 && fsio.IsWriterTemp(name) {
				info, err := d.Info()
				if err != nil {
					return nil
				}
				if age, ok := p.old(info.ModTime(), tmpLimit); ok {
					p.remove(Removal{Kind: AgeTmp, Path: path, Age: age, Reason: p.ageReason(AgeTmp, age, tmpLimit)}, nil)
				}
			}
			return nil
		})
		if err != nil {
			p.fail(err)
		}
	}
}

// proofPacket reads the packet id a delivery proof's key starts with
// (an area message's key is PKT.AREA).
func proofPacket(key string) (packet.ID, bool) {
	first, rest, _ := strings.Cut(key, ".")
	if rest != "" {
		if _, ok := idName(rest); !ok {
			return packet.ID{}, false
		}
	}
	return idName(first)
}

// queued reports whether pkt is in any node's rx or tx queue.
func (p *agePass) queued(nodes []packet.ID, pkt packet.ID) bool {
	for _, n := range nodes {
		if p.s.Has(n, RX, pkt) || p.s.Has(n, TX, pkt) {
			return true
		}
	}
	return false
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
