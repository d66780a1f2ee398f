package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// A message to a node with failover routes keeps its inner packet, the
// one encrypted for the destination, in
//
//	SPOOL/<DEST>/tx/ferry-keep/<FINAL>
//
// named by its own id (the id the destination sees and names in its
// receipt), until the message is settled, expires or has tried every
// route. NNCP lists only the 52-character names of tx/, so it never
// takes this directory for packets, and neither does Jobs.

func (s *Spool) keepDir(dest packet.ID) string {
	return filepath.Join(s.queueDir(dest, TX), "ferry-keep")
}

func (s *Spool) keptPath(dest, id packet.ID) string {
	return filepath.Join(s.keepDir(dest), id.String())
}

// CommitKept makes the written packet durable as the kept inner packet
// of a message to dest, under its MTH, which it returns.
func (t *Tmp) CommitKept(dest packet.ID) (packet.ID, error) {
	id, err := t.finishKept()
	if err != nil {
		return id, err
	}
	dir := t.s.keepDir(dest)
	if err := os.MkdirAll(dir, t.s.dirMode()); err != nil {
		return id, errors.Join(fmt.Errorf("keep inner packet: %w", err), os.Remove(t.f.Name()))
	}
	if err := fsio.Rename(t.f.Name(), filepath.Join(dir, id.String())); err != nil {
		return id, errors.Join(fmt.Errorf("keep inner packet: %w", err), os.Remove(t.f.Name()))
	}
	return id, t.s.syncDir(dir)
}

// finishKept makes the written file durable and closed in tmp/, as
// commit does for a packet, less what only a queue needs (a quota
// claim, a header copy), and returns its MTH.
func (t *Tmp) finishKept() (packet.ID, error) {
	if t.done {
		return packet.ID{}, errors.New("spool tmp: already finished")
	}
	t.done = true
	if err := t.bw.Finish(); err != nil {
		return packet.ID{}, errors.Join(fmt.Errorf("spool write: %w", err), t.discard())
	}
	id := t.mth.Sum()
	if !t.s.opt.NoSync {
		if err := t.f.Sync(); err != nil {
			return id, errors.Join(fmt.Errorf("spool fsync: %w", err), t.discard())
		}
	}
	if err := t.f.Close(); err != nil {
		return id, errors.Join(fmt.Errorf("spool close: %w", err), os.Remove(t.f.Name()))
	}
	return id, nil
}

// OpenKept opens the kept inner packet id of a message to dest.
func (s *Spool) OpenKept(dest, id packet.ID) (*fsio.StreamReader, error) {
	r, err := fsio.OpenStream(s.keptPath(dest, id))
	if err != nil {
		return nil, WrapPath("open kept packet", fmt.Sprintf("%s/tx/ferry-keep/%s", dest, id), err)
	}
	return r, nil
}

// HasKept reports whether the inner packet id of a message to dest is kept.
func (s *Spool) HasKept(dest, id packet.ID) bool {
	_, err := os.Stat(s.keptPath(dest, id))
	return err == nil
}

// DropKept removes a kept inner packet; a missing one is fine.
func (s *Spool) DropKept(dest, id packet.ID) error {
	err := fsio.Unlink(s.keptPath(dest, id))
	if err != nil && !os.IsNotExist(err) {
		return WrapPath("remove kept packet", fmt.Sprintf("%s/tx/ferry-keep/%s", dest, id), err)
	}
	return nil
}

// KeptFiles lists the inner packets kept for messages to dest, for
// ferry stat and ferry doctor.
func (s *Spool) KeptFiles(dest packet.ID) ([]QueueFile, error) {
	return s.filesByID(s.keepDir(dest))
}

// keptGrace is how old a kept packet without a tracking record must be
// before SweepKept removes it: the sending command keeps the packet
// first and records the message right after, and a sweep in between
// must not take the packet of a message being recorded.
const keptGrace = time.Hour

// SweepKept removes kept inner packets that no tracking record wants any
// more (their sender was killed before it recorded the message, or the
// record was pruned), older than an hour at now, and returns them.
func (s *Spool) SweepKept(now time.Time) ([]QueueFile, error) {
	nodes, err := s.Nodes()
	if err != nil {
		return nil, err
	}
	var gone []QueueFile
	for _, dest := range nodes {
		files, err := s.KeptFiles(dest)
		if err != nil {
			return gone, err
		}
		for _, f := range files {
			if now.Sub(f.ModTime) < keptGrace {
				continue
			}
			want, err := s.wantsKept(dest, f.ID)
			if err != nil {
				return gone, err
			}
			if want {
				continue
			}
			if err := s.DropKept(dest, f.ID); err != nil {
				return gone, err
			}
			gone = append(gone, f)
		}
	}
	return gone, nil
}
