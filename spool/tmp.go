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
	// track builds the packet's tracking record, written in the commit's
	// fsync round (trackpending.go); trackErr is why that failed.
	track    TrackHook
	trackErr error
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

// ReadFrom appends what r yields up to its end, as Write would, but lets
// r read straight into the bulk writer's chunks (BulkWriter.ReadFrom): a
// packet copied in from a medium (packet.Bound over a StreamReader) is
// copied once, from the read chunk into the written one. Through
// packet.Copy's buffer and Write, xfer in of 1 GiB spent 30% of its CPU
// in memmove (perf), a third of it copying into that buffer and out.
func (t *Tmp) ReadFrom(r io.Reader) (int64, error) {
	n, err := t.bw.ReadFrom(headReader{r, t})
	t.n += n
	return n, err
}

// headReader keeps the first EncHeaderSize bytes read in t.head, for the
// hdr/ copy.
type headReader struct {
	r io.Reader
	t *Tmp
}

func (h headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if k := min(n, packet.EncHeaderSize-len(h.t.head)); k > 0 {
		h.t.head = append(h.t.head, p[:k]...)
	}
	return n, err
}

// TrackWith has the commit also record the packet among the tracking
// records, with the record hook builds from its id: written and fsynced
// while the packet is, and in place, durably, once the packet is, before
// the commit returns. A bbolt transaction after the commit would cost
// two more flushes of the disk.
func (t *Tmp) TrackWith(hook TrackHook) { t.track = hook }

// TrackErr is why the committed packet's tracking record could not be
// written (nil: written, or none asked for). The packet is queued all
// the same.
func (t *Tmp) TrackErr() error { return t.trackErr }

// Size is the number of bytes written so far.
func (t *Tmp) Size() int64 { return t.n }

// Abort removes the temporary file. Its error is the removal's: a
// temporary file left behind, which the caller should log.
func (t *Tmp) Abort() error {
	if t.done {
		return nil
	}
	t.done = true
	t.bw.Abort()
	return t.discard()
}

// discard closes and removes the temporary file, whose content is being
// thrown away: only the removal's error matters.
func (t *Tmp) discard() error {
	_ = t.f.Close()
	return os.Remove(t.f.Name())
}

// ErrHashMismatch is returned when a packet's content does not match the
// name it was announced or stored under.
var ErrHashMismatch = errors.New("packet hash does not match its name")

// Commit makes the packet durable in node's queue under its MTH name and
// returns that name.
func (t *Tmp) Commit(node packet.ID, xx XX) (packet.ID, error) {
	return t.commit(node, xx, nil, Quota{})
}

// CommitWithin is Commit when the packet fits the queue's quota q; when
// it does not, the packet is dropped and the error is a *QuotaError.
// Its claim holds the room from the check to the rename, so commits of
// one process at once cannot together pass the quota.
func (t *Tmp) CommitWithin(node packet.ID, xx XX, q Quota) (packet.ID, error) {
	return t.commit(node, xx, nil, q)
}

// CommitAs commits only if the content hashes to want.
func (t *Tmp) CommitAs(node packet.ID, xx XX, want packet.ID) error {
	_, err := t.commit(node, xx, &want, Quota{})
	return err
}

// CommitAsWithin is CommitAs within quota q, as CommitWithin: a packet
// that does not fit is dropped with a *QuotaError.
func (t *Tmp) CommitAsWithin(node packet.ID, xx XX, want packet.ID, q Quota) error {
	_, err := t.commit(node, xx, &want, q)
	return err
}

func (t *Tmp) commit(node packet.ID, xx XX, want *packet.ID, q Quota) (_ packet.ID, err error) {
	if t.done {
		return packet.ID{}, errors.New("spool tmp: already finished")
	}
	if err := t.bw.Finish(); err != nil {
		t.done = true
		return packet.ID{}, errors.Join(fmt.Errorf("spool write: %w", err), t.discard())
	}
	id := t.mth.Sum()
	if want != nil && id != *want {
		return id, errors.Join(fmt.Errorf("%s: %w (content is %s)", *want, ErrHashMismatch, id), t.Abort())
	}
	claim, err := t.s.ClaimQuota(node, id, xx, t.n, q)
	if err != nil {
		return id, errors.Join(err, t.Abort())
	}
	defer claim.Release() // a no-op once admit handed it over
	t.done = true
	if t.track != nil {
		if r, ok := t.track(id); ok {
			// Written and fsynced beside the packet's own fsync; kept
			// only once the packet's rename is durable.
			pw := t.s.startPending(r)
			queued := false
			defer func() { t.trackErr = pw.finish(queued) }()
			defer func() { queued = err == nil }()
		}
	}
	if !t.s.opt.NoSync {
		if err := t.f.Sync(); err != nil {
			return id, errors.Join(fmt.Errorf("spool fsync: %w", err), t.discard())
		}
	}
	if err := t.f.Close(); err != nil {
		return id, errors.Join(fmt.Errorf("spool close: %w", err), os.Remove(t.f.Name()))
	}
	if n, err := t.s.admit(node, xx, []admitted{{t.f.Name(), id, t.n}}); err != nil {
		if n == 0 { // not renamed: still ours to remove
			return id, errors.Join(fmt.Errorf("spool rename: %w", err), os.Remove(t.f.Name()))
		}
		return id, err
	}
	// The index learns of the packet at the next listing, which reads its
	// header from the packet itself (hdr/ copies are for NNCP's tools), in
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
	// Best effort, as said above: a copy that failed is not there, and
	// a leftover .tmp is never read as a header.
	if cerr := f.Close(); err == nil && cerr == nil {
		_ = fsio.Rename(tmp, filepath.Join(dir, id.String()))
	} else {
		_ = fsio.Unlink(tmp)
	}
}

// CopyIn is a convenience: stream r into a new packet in node's queue.
func (s *Spool) CopyIn(r io.Reader, node packet.ID, xx XX, want *packet.ID) (packet.ID, int64, error) {
	return s.CopyInWithin(r, node, xx, want, Quota{})
}

// CopyInWithin is CopyIn within quota q: a packet that does not fit is
// dropped with a *QuotaError, after its copy (the quota is judged on
// what was read, not on what a medium's file size claims).
func (s *Spool) CopyInWithin(r io.Reader, node packet.ID, xx XX, want *packet.ID, q Quota) (packet.ID, int64, error) {
	t, err := s.NewTmp()
	if err != nil {
		return packet.ID{}, 0, err
	}
	if _, err := t.ReadFrom(r); err != nil {
		return packet.ID{}, t.n, errors.Join(err, t.Abort())
	}
	id, err := t.commit(node, xx, want, q)
	return id, t.n, err
}
