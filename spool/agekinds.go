package spool

// The age pass's work on each kind of file of a node (age.go).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// txPackets removes node's old outbound packets: the tracked messages
// among them expire first, in one transaction (see TrackRemoved).
func (p *agePass) txPackets(n packet.ID) {
	due, limit := p.oldQueueFiles(n, TX, AgeTx)
	if len(due) == 0 {
		return
	}
	ids := make([]packet.ID, len(due))
	for i, f := range due {
		ids[i] = f.ID
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
	p.removeQueued(n, TX, AgeTx, due, limit)
}

// queue removes node's old packets of an xx queue that nothing tracks.
func (p *agePass) queue(n packet.ID, xx XX, k AgeKind) {
	due, limit := p.oldQueueFiles(n, xx, k)
	p.removeQueued(n, xx, k, due, limit)
}

// oldQueueFiles lists node's packets of queue xx older than kind k's
// limit, and the limit; nothing when k has no limit.
func (p *agePass) oldQueueFiles(n packet.ID, xx XX, k AgeKind) ([]QueueFile, time.Duration) {
	limit := p.limit(n, k)
	if limit <= 0 {
		return nil, 0
	}
	files, err := p.s.QueueFiles(n, xx)
	if err != nil {
		p.fail(err)
		return nil, 0
	}
	var due []QueueFile
	for _, f := range files {
		if _, ok := p.old(f.ModTime, limit); ok {
			due = append(due, f)
		}
	}
	return due, limit
}

// removeQueued removes the packets oldQueueFiles found, each with its
// age and reason.
func (p *agePass) removeQueued(n packet.ID, xx XX, k AgeKind, due []QueueFile, limit time.Duration) {
	for _, f := range due {
		age, _ := p.old(f.ModTime, limit)
		p.remove(Removal{Kind: k, Node: n, Pkt: f.ID, Path: f.Path, Age: age, Reason: p.ageReason(k, age, limit)},
			func() error { return p.s.Remove(n, xx, f.ID) })
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
	if cerr := d.Close(); err == nil {
		err = cerr
	}
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
	p.orphans(n, filepath.Dir(p.s.ExecMarker(n, packet.ID{}).Path()), true,
		"claim on an exec handler whose packet is gone")
}

// attemptsOrphans removes the records of failed handler runs whose
// packet is gone without them: taken by a toss that does not know them
// (NNCP's, over the same spool) or removed by hand.
func (p *agePass) attemptsOrphans(n packet.ID) {
	p.orphans(n, filepath.Dir(p.s.attemptsPath(n, packet.ID{})), false,
		"record of failed handler runs whose packet is gone")
}

// orphans removes the entries of dir, named by packet, whose packet is
// not in n's rx (nor, with inTx, in its tx: the self node's area fan-out
// claims are for packets in its tx).
func (p *agePass) orphans(n packet.ID, dir string, inTx bool, reason string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			p.fail(err)
		}
		return
	}
	for _, e := range ents {
		id, ok := idName(e.Name())
		if !ok || p.s.Has(n, RX, id) || (inTx && p.s.Has(n, TX, id)) {
			continue
		}
		p.remove(Removal{Kind: AgeOrphan, Node: n, Pkt: id, Path: filepath.Join(dir, e.Name()), Reason: reason}, nil)
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
