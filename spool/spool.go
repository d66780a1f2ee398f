// Package spool keeps NNCP 8.x's on-disk queues: one directory per
// neighbour with rx/ and tx/ packets, header copies, seen markers, area
// markers and lock files. The files are the truth; a bbolt index beside
// them only caches headers so listings do not open every packet.
//
//	SPOOL/tmp/                        temporary files, renamed into place
//	SPOOL/<NODE>/{rx,tx}/<PKT>        packets; <PKT>.part, <PKT>.nock in rx
//	SPOOL/<NODE>/{rx,tx}/hdr/<PKT>    172-byte header copies
//	SPOOL/<NODE>/rx/seen/<PKT>        processed markers
//	SPOOL/<NODE>/rx/ferry-exec/<PKT>  claims on exec handlers (ExecMarker),
//	                                  hard links to rx/ferry-exec/.claim
//	SPOOL/<NODE>/{rx,tx}/bad/<PKT>    what a queue can never process (SetAside)
//	SPOOL/<NODE>/tx/ferry-keep/<PKT>  inner packets kept for failover (keep.go)
//	SPOOL/<NODE>/area/<AREA>/<MSG>    area message markers
//	SPOOL/<NODE>/{rx,tx,toss}.lock    flock files
//	SPOOL/ferry.idx, ferry-track.db  header cache; records of what we sent (track.go)
//	SPOOL/ferry-track.d/<PKT>         records written with their packets (trackpending.go)
//
// Only this package names files in the spool: callers use its named
// operations (Open, NewTmp, OpenPart, AdoptAll, PromoteNock, SetAside,
// Clean, ...), and a path leaves it only for a log line, an error or
// another process. TestSpoolPathsStayInSpool in cmd/ferry checks it.
package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// XX is a queue direction.
type XX string

const (
	RX XX = "rx"
	TX XX = "tx"
)

// Options shape how a spool writes.
type Options struct {
	NoSync bool   // skip fsync (NNCPNOSYNC)
	NoHdr  bool   // do not keep hdr/ copies
	Umask  uint32 // applied to directory and file modes
	// Space tells a filesystem's free space (nil: DiskSpace, statfs);
	// tests inject a small or full disk here.
	Space SpaceFunc
	// Now is the clock queue counts are dated by against the files'
	// times (nil: time.Now; usage.go); tests set it ahead so that a
	// count is kept however recently the directory changed.
	Now func() time.Time
	// Context, once cancelled, stops a listing's index build between two
	// runs of headers (nil: never stopped). The runs already added stay
	// in the index, so the next listing goes on from there.
	Context context.Context
}

// Spool is an opened spool directory.
type Spool struct {
	dir  string // SPOOL: only this package names what is inside
	Self packet.ID
	opt  Options
	ix   *index
	trk  *tracker // records of the messages we originated (track.go)
	// claims is the space promised to downloads under way (claim.go).
	claims claims
	// quota is the queues' quota accounting (quota.go, usage.go).
	quota quotas
	// summaries are the queues' summaries for scrapes (summarycache.go).
	summaries summaryCache
	// cleanWorkers, when set, is how many unlinks a queue's removal runs
	// at once (cleanWorkers; tests use 1 to see the order).
	cleanWorkers int
}

// ErrLocked is returned when another process holds a lock.
var ErrLocked = errors.New("spool: locked by another process")

// Open opens (creating if needed) the spool at dir.
func Open(dir string, self packet.ID, opt Options) (*Spool, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("spool %s: must be an absolute path", dir)
	}
	s := &Spool{dir: filepath.Clean(dir), Self: self, opt: opt}
	if err := os.MkdirAll(s.tmpDir(), s.dirMode()); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s.ix = &index{path: filepath.Join(s.dir, "ferry.idx"), batch: addBatch}
	s.trk = &tracker{path: filepath.Join(s.dir, "ferry-track.db"), pending: s.pendingDir()}
	return s, nil
}

// stopped is the cause of the spool's context once it is cancelled
// (Options.Context), else nil.
func (s *Spool) stopped() error {
	if ctx := s.opt.Context; ctx != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

func (s *Spool) now() time.Time {
	if s.opt.Now != nil {
		return s.opt.Now()
	}
	return time.Now()
}

func (s *Spool) dirMode() os.FileMode  { return os.FileMode(0o777 &^ s.opt.Umask) }
func (s *Spool) fileMode() os.FileMode { return os.FileMode(0o666 &^ s.opt.Umask) }

// NoSync reports whether fsync is skipped.
func (s *Spool) NoSync() bool { return s.opt.NoSync }

// The paths of the layout above. They stay inside this package: callers
// ask for a named operation instead (Open, OpenPart, SetAside, Clean...),
// and TestSpoolPathsStayInSpool keeps it so.

// tmpDir is where new files are written before they are renamed.
func (s *Spool) tmpDir() string { return filepath.Join(s.dir, "tmp") }

// nodeDir is SPOOL/<node>.
func (s *Spool) nodeDir(node packet.ID) string { return filepath.Join(s.dir, node.String()) }

// queueDir is SPOOL/<node>/<xx>.
func (s *Spool) queueDir(node packet.ID, xx XX) string {
	return filepath.Join(s.nodeDir(node), string(xx))
}

// packetPath is SPOOL/<node>/<xx>/<id>.
func (s *Spool) packetPath(node packet.ID, xx XX, id packet.ID) string {
	return filepath.Join(s.queueDir(node, xx), id.String())
}

func (s *Spool) hdrPath(node packet.ID, xx XX, id packet.ID) string {
	return filepath.Join(s.queueDir(node, xx), "hdr", id.String())
}

// partPath and nockPath name an online download in progress and one
// awaiting its checksum.
func (s *Spool) partPath(node packet.ID, id packet.ID) string {
	return s.packetPath(node, RX, id) + ".part"
}

func (s *Spool) nockPath(node packet.ID, id packet.ID) string {
	return s.packetPath(node, RX, id) + ".nock"
}

func (s *Spool) seenPath(node, id packet.ID) string {
	return filepath.Join(s.queueDir(node, RX), "seen", id.String())
}

func (s *Spool) areaDir(node, area packet.ID) string {
	return filepath.Join(s.nodeDir(node), "area", area.String())
}

// Has reports whether a complete packet is in the queue.
func (s *Spool) Has(node packet.ID, xx XX, id packet.ID) bool {
	_, err := os.Stat(s.packetPath(node, xx, id))
	return err == nil
}

// Remove deletes a packet, its header copy and (in rx) the record of its
// handler's failed runs. A missing packet is fine.
func (s *Spool) Remove(node packet.ID, xx XX, id packet.ID) error {
	if xx == RX {
		// First: a kill in between leaves no record without its packet.
		if err := s.dropAttempts(node, id); err != nil {
			return err
		}
	}
	err := fsio.Unlink(s.packetPath(node, xx, id))
	s.touched(node, xx)
	if err != nil && !os.IsNotExist(err) {
		return WrapPath("remove", fmt.Sprintf("%s/%s/%s", node, xx, id), err)
	}
	if err := fsio.Unlink(s.hdrPath(node, xx, id)); err != nil && !os.IsNotExist(err) {
		return WrapPath("remove header copy", fmt.Sprintf("%s/%s/%s", node, xx, id), err)
	}
	return nil
}

// Seen reports whether rx/seen/<id> marks the packet as processed.
func (s *Spool) Seen(node, id packet.ID) bool {
	_, err := os.Stat(s.seenPath(node, id))
	return err == nil
}

// MarkSeen creates rx/seen/<id>.
func (s *Spool) MarkSeen(node, id packet.ID) error {
	return s.touch(filepath.Dir(s.seenPath(node, id)), id.String())
}

// AreaSeen reports whether the area message marker exists for node.
func (s *Spool) AreaSeen(node, area, msg packet.ID) bool {
	_, err := os.Stat(filepath.Join(s.areaDir(node, area), msg.String()))
	return err == nil
}

// MarkArea creates SPOOL/<node>/area/<area>/<msg>.
func (s *Spool) MarkArea(node, area, msg packet.ID) error {
	return s.touch(s.areaDir(node, area), msg.String())
}

// touch durably creates an empty marker file.
func (s *Spool) touch(dir, name string) error {
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY, s.fileMode())
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return s.syncDir(dir)
}

func (s *Spool) syncDir(dir string) error {
	if s.opt.NoSync {
		return nil
	}
	return fsio.SyncDir(dir)
}

// Nodes lists the node directories present in the spool.
func (s *Spool) Nodes() ([]packet.ID, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var ids []packet.ID
	for _, e := range ents {
		if id, err := packet.ParseID(e.Name()); err == nil && e.IsDir() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// admitted tells the quota accounting that files entered node's xx
// queue (change began before the first): their claims end, and a cached
// count of the queue takes them in, or is dropped when a size is unknown.
func (s *Spool) admitted(ch change, files []admitted) {
	ids := make([]packet.ID, len(files))
	delta := func(c *queueCount) {
		for _, f := range files {
			c.complete = c.complete.add(Usage{f.size, 1})
			delete(c.parts, f.id) // a download's .part or .nock, now the packet
		}
	}
	for i, f := range files {
		ids[i] = f.id
		if f.size < 0 {
			delta = nil
		}
	}
	s.endChange(ch, delta, ids...)
}

// admitted is a finished file to rename into a queue under its id.
type admitted struct {
	from string
	id   packet.ID
	size int64 // -1: unknown
}

// admit renames finished, durable files into node's xx queue under their
// ids and makes the renames durable with one flush of the directory. It
// is the only way a packet enters a queue: a written packet (Tmp), a
// batch of downloads (AdoptAll) and a checked .nock (PromoteNock) all
// come through here. It returns how many were renamed, in order; it
// stops at the first failure, flushing the directory for those before.
func (s *Spool) admit(node packet.ID, xx XX, files []admitted) (int, error) {
	dir := s.queueDir(node, xx)
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return 0, err
	}
	ch := s.beginChange(node, xx)
	for i, a := range files {
		if err := fsio.Rename(a.from, filepath.Join(dir, a.id.String())); err != nil {
			s.admitted(ch, files[:i])
			if i > 0 {
				err = errors.Join(err, s.syncDir(dir)) // the ones renamed stay, durably
			}
			return i, err
		}
	}
	s.admitted(ch, files)
	return len(files), s.syncDir(dir)
}
