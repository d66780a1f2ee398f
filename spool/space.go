package spool

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"github.com/ferry-dtn/ferry/packet"
)

// Space is what a filesystem holds, in bytes: Avail is what an
// unprivileged writer may still use (statfs f_bavail), Total its size.
type Space struct {
	Avail, Total uint64
}

// SpaceFunc tells the space of the filesystem holding path. Tests inject
// one (Options.Space) to play a small or full disk.
type SpaceFunc func(path string) (Space, error)

// ErrNoRoom says that something does not fit in the free space left
// above the reserve.
var ErrNoRoom = errors.New("not enough free space")

// DiskSpace is the real SpaceFunc: statfs of path, or of its nearest
// existing parent when path is yet to be made (a node's first rx/).
func DiskSpace(path string) (Space, error) {
	p := filepath.Clean(path)
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(p, &st)
		if err == nil {
			unit := uint64(st.Frsize)
			if unit == 0 {
				unit = uint64(st.Bsize)
			}
			return Space{Avail: st.Bavail * unit, Total: st.Blocks * unit}, nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, syscall.ENOENT) || parent == p {
			return Space{}, fmt.Errorf("free space of %s: %w", path, err)
		}
		p = parent
	}
}

// SpaceAt is the space of the filesystem holding dir, through the
// injected function when one is set.
func SpaceAt(f SpaceFunc, dir string) (Space, error) {
	if f == nil {
		f = DiskSpace
	}
	return f(dir)
}

// Free is the space of the filesystem that holds node's queues.
func (s *Spool) Free(node packet.ID) (Space, error) {
	return SpaceAt(s.opt.Space, s.nodeDir(node))
}

// Room is what a write into a node's queues may use: the free space less
// the reserve and less what downloads under way in this process were
// promised and have not written yet.
type Room struct {
	Space
	Reserve uint64
	Claimed int64
}

// Left is how many more bytes may be promised; it may be negative.
func (r Room) Left() int64 {
	return int64(r.Avail) - int64(r.Reserve) - r.Claimed
}

// Fits checks that need more bytes fit into node's filesystem above the
// reserve (a function of the filesystem's size) and the bytes claimed by
// downloads under way. The error wraps ErrNoRoom and names the numbers.
func (s *Spool) Fits(node packet.ID, need int64, reserve func(total uint64) uint64) (Room, error) {
	r, err := s.roomFor(node, reserve)
	if err != nil {
		return r, err
	}
	r.Claimed = s.claims.total()
	if need > r.Left() {
		return r, noRoom(need, r)
	}
	return r, nil
}

// FitsIn is Fits for a directory outside the spool (an incoming
// directory), with space told by f (nil: DiskSpace).
func FitsIn(f SpaceFunc, dir string, need int64, reserve func(total uint64) uint64) (Room, error) {
	sp, err := SpaceAt(f, dir)
	if err != nil {
		return Room{}, err
	}
	r := Room{Space: sp, Reserve: reserve(sp.Total)}
	if need > r.Left() {
		return r, noRoom(need, r)
	}
	return r, nil
}

func (s *Spool) roomFor(node packet.ID, reserve func(total uint64) uint64) (Room, error) {
	sp, err := s.Free(node)
	if err != nil {
		return Room{}, err
	}
	return Room{Space: sp, Reserve: reserve(sp.Total)}, nil
}

func noRoom(need int64, r Room) error {
	if r.Claimed > 0 {
		return fmt.Errorf("%d bytes do not fit: %d free, %d reserved, %d promised to downloads under way: %w",
			need, r.Avail, r.Reserve, r.Claimed, ErrNoRoom)
	}
	return fmt.Errorf("%d bytes do not fit: %d free, %d reserved: %w", need, r.Avail, r.Reserve, ErrNoRoom)
}
