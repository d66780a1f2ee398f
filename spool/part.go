package spool

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// Part is an online download being written: SPOOL/<node>/rx/<id>.part.
// It ends one of four ways: AdoptAll renames it into rx once verified,
// KeepUnchecked leaves it as .nock for check to verify, Discard removes
// it, and Close leaves it for a later session to resume.
type Part struct {
	ID   packet.ID
	s    *Spool
	node packet.ID
	f    *os.File
}

// PartSize is the size of the unfinished download of id from node, and
// whether there is one.
func (s *Spool) PartSize(node, id packet.ID) (int64, bool) {
	fi, err := os.Stat(s.partPath(node, id))
	if err != nil {
		return 0, false
	}
	return fi.Size(), true
}

// DropPart removes the unfinished download of id from node.
func (s *Spool) DropPart(node, id packet.ID) error {
	defer s.touched(node, RX)
	return fsio.Unlink(s.partPath(node, id))
}

// OpenPart opens the download of id from node for writing, creating it
// (and rx/, for a node's first download) when there is none yet. Writes
// go where the caller says: a resumed download goes on at its size.
func (s *Spool) OpenPart(node, id packet.ID) (*Part, error) {
	path := s.partPath(node, id)
	ch := s.beginChange(node, RX)
	f, err := s.openPart(node, path)
	if err != nil {
		s.endChange(ch, nil)
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		s.endChange(ch, nil)
	} else {
		s.endChange(ch, func(c *queueCount) { c.parts[id] = fi.Size() })
	}
	return &Part{ID: id, s: s, node: node, f: f}, nil
}

// openPart opens (creating) the .part at path, and rx too if need be.
func (s *Spool) openPart(node packet.ID, path string) (*os.File, error) {
	f, err := fsio.OpenFile(path, os.O_CREATE|os.O_WRONLY, s.fileMode())
	if os.IsNotExist(err) { // first download of this node, or rx was removed
		if err := os.MkdirAll(s.queueDir(node, RX), s.dirMode()); err != nil {
			return nil, err
		}
		f, err = fsio.OpenFile(path, os.O_CREATE|os.O_WRONLY, s.fileMode())
	}
	return f, err
}

// File is the open .part, for writing.
func (p *Part) File() *os.File { return p.f }

// Path names the .part in messages.
func (p *Part) Path() string { return p.f.Name() }

// Close leaves the download as it stands, to be resumed.
func (p *Part) Close() error { return p.f.Close() }

// Hash reads the download from its start and returns its MTH: for one
// resumed or written out of order, which was not hashed as it came.
func (p *Part) Hash() (packet.ID, error) {
	f, err := os.Open(p.f.Name())
	if err != nil {
		return packet.ID{}, err
	}
	defer func() { _ = f.Close() }() // read only
	got, _, err := packet.MTHOf(f)
	return got, err
}

// Discard closes and removes the download (it did not hash to its name).
// Its error is the removal's: a .part left behind, which the caller
// should log (the next session would resume it and fail the hash again).
func (p *Part) Discard() error {
	_ = p.f.Close() // its content is being thrown away
	defer p.s.touched(p.node, RX)
	return os.Remove(p.f.Name())
}

// KeepUnchecked makes a download received without its checksum durable
// as <id>.nock, where listings do not see it until PromoteNock verified it.
func (p *Part) KeepUnchecked() error {
	if !p.s.opt.NoSync {
		if err := p.f.Sync(); err != nil {
			_ = p.f.Close() // the sync error is the one to report
			return err
		}
	}
	// A write path: the close can be the first to report a lost write.
	if err := p.f.Close(); err != nil {
		return err
	}
	// The .nock is counted as the .part was, under the same id (its
	// download's claim still covers it).
	ch := p.s.beginChange(p.node, RX)
	err := os.Rename(p.f.Name(), p.s.nockPath(p.node, p.ID))
	p.s.endChange(ch, func(*queueCount) {})
	return err
}

// PromoteNock verifies a download kept unchecked (.nock) and, when its
// content matches its name, moves it into node's rx queue. A damaged or
// unreadable one stays, with an error wrapping ErrHashMismatch; one that
// cannot be opened gives that error.
func (s *Spool) PromoteNock(node, id packet.ID) error {
	path := s.nockPath(node, id)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	got, size, err := packet.MTHOfReaderAt(f) // as in Verify
	_ = f.Close()                             // read only
	if err != nil || got != id {
		return fmt.Errorf("%s.nock: %w", id, errors.Join(err, ErrHashMismatch))
	}
	_, err = s.admit(node, RX, []admitted{{path, id, size}})
	return err
}

// syncfsFrom is the batch size from which one syncfs(2) is cheaper than an
// fsync per file: measured here, 200 small files cost 20 µs each through
// one syncfs against 130-160 µs each through their own fsync calls.
const syncfsFrom = 3

// AdoptAll makes a batch of verified downloads of one node durable and
// renames them into its rx queue with one flush for the data and one for
// the directory: the group commit that lets a call receive thousands of
// small packets a second. It returns how many were adopted, in order; on
// an error the rest are left as .part files (closed) for a later session
// to resume.
func (s *Spool) AdoptAll(batch []*Part) (int, error) {
	closeFrom := func(i int) {
		for _, p := range batch[i:] {
			_ = p.f.Close() // after an error: they stay .part, resumed (and rechecked) later
		}
	}
	if len(batch) == 0 {
		return 0, nil
	}
	if !s.opt.NoSync {
		if err := syncAll(batch); err != nil {
			closeFrom(0)
			return 0, err
		}
	}
	files := make([]admitted, 0, len(batch))
	for i, p := range batch {
		size := int64(-1) // for the queue's quota count: one fstat, beside the fsync
		if fi, err := p.f.Stat(); err == nil {
			size = fi.Size()
		}
		if err := p.f.Close(); err != nil {
			closeFrom(i + 1)
			n, aerr := s.admit(batch[0].node, RX, files)
			return n, errors.Join(err, aerr)
		}
		files = append(files, admitted{p.f.Name(), p.ID, size})
	}
	return s.admit(batch[0].node, RX, files)
}

// syncAll flushes the batch's files: one syncfs for a batch, falling back
// to per-file fsync where syncfs is refused.
func syncAll(batch []*Part) error {
	if len(batch) >= syncfsFrom {
		err := unix.Syncfs(int(batch[0].f.Fd()))
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) {
			return err
		}
	}
	for _, p := range batch {
		if err := p.f.Sync(); err != nil {
			return err
		}
	}
	return nil
}
