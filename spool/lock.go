package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ferry-dtn/ferry/packet"
)

// LockKind names one of a node's lock files.
type LockKind string

const (
	LockRx   LockKind = "rx"
	LockTx   LockKind = "tx"
	LockToss LockKind = "toss"
)

// Lock takes SPOOL/<node>/<kind>.lock with a non-blocking flock, as NNCP
// does, so ferry and NNCP tools exclude each other. It returns ErrLocked
// when another process holds it.
func (s *Spool) Lock(node packet.ID, kind LockKind) (unlock func(), err error) {
	_, unlock, err = s.LockFile(node, kind)
	return unlock, err
}

// LockFile is Lock that also returns the lock's open file. An flock
// belongs to the open file, not the process: another process given a
// descriptor of it (toss's claimer) keeps the lock held after this one
// was killed, until it closes that descriptor too.
func (s *Spool) LockFile(node packet.ID, kind LockKind) (lock *os.File, unlock func(), err error) {
	dir := s.nodeDir(node)
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, string(kind)+".lock")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, s.fileMode())
	if err != nil {
		return nil, nil, WrapPath("lock", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // a lock file: nothing written
		if err == syscall.EWOULDBLOCK {
			return nil, nil, fmt.Errorf("%s: %w", p, ErrLocked)
		}
		return nil, nil, WrapPath("lock", p, err)
	}
	return f, func() {
		// A lock file holds no data; closing it drops the lock even if
		// the unlock failed.
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
