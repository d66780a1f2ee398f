// Package spool keeps NNCP 8.x's on-disk queues: one directory per
// neighbour with rx/ and tx/ packets, header copies, seen markers, area
// markers and lock files. The files are the truth; a bbolt index beside
// them only caches headers so listings do not open every packet.
//
//	SPOOL/tmp/                      temporary files, renamed into place
//	SPOOL/<NODE>/{rx,tx}/<PKT>      packets; <PKT>.part, <PKT>.nock in rx
//	SPOOL/<NODE>/{rx,tx}/hdr/<PKT>  172-byte header copies
//	SPOOL/<NODE>/rx/seen/<PKT>      processed markers
//	SPOOL/<NODE>/area/<AREA>/<MSG>  area message markers
//	SPOOL/<NODE>/{rx,tx,toss}.lock  flock files
package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ferry/packet"
	"ferry/spool/fsio"
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
}

// Spool is an opened spool directory.
type Spool struct {
	Dir  string
	Self packet.ID
	opt  Options
	ix   *index
	// claims is the space promised to downloads under way (claim.go).
	claims claims
}

// ErrLocked is returned when another process holds a lock.
var ErrLocked = errors.New("spool: locked by another process")

// Open opens (creating if needed) the spool at dir.
func Open(dir string, self packet.ID, opt Options) (*Spool, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("spool %s: must be an absolute path", dir)
	}
	s := &Spool{Dir: filepath.Clean(dir), Self: self, opt: opt}
	if err := os.MkdirAll(s.TmpDir(), s.dirMode()); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s.ix = &index{path: filepath.Join(s.Dir, "ferry.idx")}
	return s, nil
}

func (s *Spool) dirMode() os.FileMode  { return os.FileMode(0o777 &^ s.opt.Umask) }
func (s *Spool) fileMode() os.FileMode { return os.FileMode(0o666 &^ s.opt.Umask) }

// NoSync reports whether fsync is skipped.
func (s *Spool) NoSync() bool { return s.opt.NoSync }

// TmpDir is where new files are written before they are renamed.
func (s *Spool) TmpDir() string { return filepath.Join(s.Dir, "tmp") }

// NodeDir is SPOOL/<node>.
func (s *Spool) NodeDir(node packet.ID) string { return filepath.Join(s.Dir, node.String()) }

// QueueDir is SPOOL/<node>/<xx>.
func (s *Spool) QueueDir(node packet.ID, xx XX) string {
	return filepath.Join(s.NodeDir(node), string(xx))
}

// PacketPath is SPOOL/<node>/<xx>/<id>.
func (s *Spool) PacketPath(node packet.ID, xx XX, id packet.ID) string {
	return filepath.Join(s.QueueDir(node, xx), id.String())
}

func (s *Spool) hdrPath(node packet.ID, xx XX, id packet.ID) string {
	return filepath.Join(s.QueueDir(node, xx), "hdr", id.String())
}

// PartPath and NockPath name an online download in progress and one
// awaiting its checksum.
func (s *Spool) PartPath(node packet.ID, id packet.ID) string {
	return s.PacketPath(node, RX, id) + ".part"
}

func (s *Spool) NockPath(node packet.ID, id packet.ID) string {
	return s.PacketPath(node, RX, id) + ".nock"
}

// Has reports whether a complete packet is in the queue.
func (s *Spool) Has(node packet.ID, xx XX, id packet.ID) bool {
	_, err := os.Stat(s.PacketPath(node, xx, id))
	return err == nil
}

// Remove deletes a packet and its header copy. A missing packet is fine.
func (s *Spool) Remove(node packet.ID, xx XX, id packet.ID) error {
	err := fsio.Unlink(s.PacketPath(node, xx, id))
	if err != nil && !os.IsNotExist(err) {
		return WrapPath("remove", fmt.Sprintf("%s/%s/%s", node, xx, id), err)
	}
	fsio.Unlink(s.hdrPath(node, xx, id))
	return nil
}

// Seen reports whether rx/seen/<id> marks the packet as processed.
func (s *Spool) Seen(node, id packet.ID) bool {
	_, err := os.Stat(filepath.Join(s.QueueDir(node, RX), "seen", id.String()))
	return err == nil
}

// MarkSeen creates rx/seen/<id>.
func (s *Spool) MarkSeen(node, id packet.ID) error {
	return s.touch(filepath.Join(s.QueueDir(node, RX), "seen"), id.String())
}

// AreaSeen reports whether the area message marker exists for node.
func (s *Spool) AreaSeen(node, area, msg packet.ID) bool {
	_, err := os.Stat(filepath.Join(s.NodeDir(node), "area", area.String(), msg.String()))
	return err == nil
}

// MarkArea creates SPOOL/<node>/area/<area>/<msg>.
func (s *Spool) MarkArea(node, area, msg packet.ID) error {
	return s.touch(filepath.Join(s.NodeDir(node), "area", area.String()), msg.String())
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
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// SyncDir fsyncs a directory unless NoSync.
func (s *Spool) SyncDir(dir string) error { return s.syncDir(dir) }

// Nodes lists the node directories present in the spool.
func (s *Spool) Nodes() ([]packet.ID, error) {
	ents, err := os.ReadDir(s.Dir)
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

// Adopt moves a complete, verified packet file (such as a finished online
// download) into node's queue under its id: rename, fsync the directory,
// header copy and index entry.
func (s *Spool) Adopt(path string, node packet.ID, xx XX, id packet.ID) error {
	dir := s.QueueDir(node, xx)
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return err
	}
	if err := fsio.Rename(path, filepath.Join(dir, id.String())); err != nil {
		return err
	}
	if err := s.syncDir(dir); err != nil {
		return err
	}
	// The index learns of it at the next listing: one batched commit
	// instead of one per packet of a busy session.
	return nil
}
