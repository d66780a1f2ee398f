package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// Tmp is a packet being written into SPOOL/tmp. It hashes as it writes,
// so committing needs no second pass over the data.
//
//	write -> tmp/ferry<...> (+ MTH) -> fsync -> rename to <queue>/<MTH> -> fsync dir -> hdr/
type Tmp struct {
	s    *Spool
	f    *os.File
	mth  *packet.MTH // fed by bw, on its hashing goroutine once the packet is long
	n    int64
	head []byte // first 172 bytes, for the hdr/ copy and the index
	bw   *fsio.BulkWriter
	done bool
}

var tmpSeq atomic.Uint64

// NewTmp creates a temporary file in SPOOL/tmp.
func (s *Spool) NewTmp() (*Tmp, error) {
	name := "ferry" + strconv.FormatInt(time.Now().UnixNano(), 16) + "." +
		strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(tmpSeq.Add(1), 10)
	f, err := fsio.OpenFile(filepath.Join(s.tmpDir(), name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, s.fileMode())
	if err != nil {
		return nil, fmt.Errorf("spool tmp: %w", err)
	}
	mth := packet.NewMTH()
	return &Tmp{s: s, f: f, mth: mth, head: make([]byte, 0, packet.EncHeaderSize), bw: fsio.NewBulkWriter(f, 0, !s.opt.NoSync, mth)}, nil
}

// Write appends to the file and the hash.
func (t *Tmp) Write(p []byte) (int, error) {
	if len(t.head) < packet.EncHeaderSize {
		k := min(len(p), packet.EncHeaderSize-len(t.head))
		t.head = append(t.head, p[:k]...)
	}
	n, err := t.bw.Write(p)
	t.n += int64(n)
	return n, err
}

// Size is the number of bytes written so far.
func (t *Tmp) Size() int64 { return t.n }

// Abort removes the temporary file.
func (t *Tmp) Abort() {
	if t.done {
		return
	}
	t.done = true
	t.bw.Abort()
	t.f.Close()
	os.Remove(t.f.Name())
}

// ErrHashMismatch is returned when a packet's content does not match the
// name it was announced or stored under.
var ErrHashMismatch = errors.New("packet hash does not match its name")

// Commit makes the packet durable in node's queue under its MTH name and
// returns that name.
func (t *Tmp) Commit(node packet.ID, xx XX) (packet.ID, error) {
	return t.commit(node, xx, nil)
}

// CommitAs commits only if the content hashes to want.
func (t *Tmp) CommitAs(node packet.ID, xx XX, want packet.ID) error {
	_, err := t.commit(node, xx, &want)
	return err
}

func (t *Tmp) commit(node packet.ID, xx XX, want *packet.ID) (packet.ID, error) {
	if t.done {
		return packet.ID{}, errors.New("spool tmp: already finished")
	}
	if err := t.bw.Finish(); err != nil {
		t.done = true
		t.f.Close()
		os.Remove(t.f.Name())
		return packet.ID{}, fmt.Errorf("spool write: %w", err)
	}
	id := t.mth.Sum()
	if want != nil && id != *want {
		t.Abort()
		return id, fmt.Errorf("%s: %w (content is %s)", *want, ErrHashMismatch, id)
	}
	t.done = true
	if !t.s.opt.NoSync {
		if err := t.f.Sync(); err != nil {
			t.f.Close()
			os.Remove(t.f.Name())
			return id, fmt.Errorf("spool fsync: %w", err)
		}
	}
	if err := t.f.Close(); err != nil {
		os.Remove(t.f.Name())
		return id, fmt.Errorf("spool close: %w", err)
	}
	if n, err := t.s.admit(node, xx, []admitted{{t.f.Name(), id}}); err != nil {
		if n == 0 { // not renamed: still ours to remove
			os.Remove(t.f.Name())
			return id, fmt.Errorf("spool rename: %w", err)
		}
		return id, err
	}
	// The index learns of the packet at the next listing, from hdr/, in
	// one transaction with the others queued meanwhile: opening bbolt for
	// one entry costs more than writing a small packet.
	if len(t.head) == packet.EncHeaderSize {
		t.s.writeHdr(node, xx, id, t.head)
	}
	return id, nil
}

// writeHdr keeps a copy of the header for listings; best effort, like
// NNCP: a missing hdr/ file is rebuilt from the packet.
func (s *Spool) writeHdr(node packet.ID, xx XX, id packet.ID, head []byte) {
	if s.opt.NoHdr {
		return
	}
	dir := filepath.Join(s.queueDir(node, xx), "hdr")
	if os.MkdirAll(dir, s.dirMode()) != nil {
		return
	}
	tmp := filepath.Join(dir, "."+id.String()+".tmp")
	f, err := fsio.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, s.fileMode())
	if err != nil {
		return
	}
	_, err = f.Write(head[:packet.EncHeaderSize])
	if cerr := f.Close(); err == nil && cerr == nil {
		fsio.Rename(tmp, filepath.Join(dir, id.String()))
	} else {
		fsio.Unlink(tmp)
	}
}

// CopyIn is a convenience: stream r into a new packet in node's queue.
func (s *Spool) CopyIn(r io.Reader, node packet.ID, xx XX, want *packet.ID) (packet.ID, int64, error) {
	t, err := s.NewTmp()
	if err != nil {
		return packet.ID{}, 0, err
	}
	if _, err := packet.Copy(t, r); err != nil {
		t.Abort()
		return packet.ID{}, t.n, err
	}
	id, err := t.commit(node, xx, want)
	return id, t.n, err
}
