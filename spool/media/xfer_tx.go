package media

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// XferTx copies our outbound packets to DIR/<node>/<self>/ for every node
// whose directory exists (or, with Mkdir, every node). Each copy is
// written under a temporary name, synced, read back and checked against
// its name, and only then renamed into place and removed from the spool
// (unless Keep).
//
// A full medium leaves each packet either complete there or still in the
// spool, and does not end the run: a packet larger than the room left (as
// the filesystem reports it, or as learnt from a write that hit ENOSPC)
// is logged and left queued, and the smaller ones after it still go.
func XferTx(sp *spool.Spool, dir string, nodes []packet.ID, opt Options) (Stats, error) {
	opt.init()
	var st Stats
	room := &mediumRoom{tooBig: math.MaxInt64}
	for _, node := range nodes {
		if !opt.wanted(node) {
			continue
		}
		jobs, err := txJobs(sp, node, &st, opt, "xfer")
		if err != nil {
			return st, err
		}
		nodeDir := filepath.Join(dir, node.String())
		if _, err := os.Stat(nodeDir); err != nil {
			if !opt.Mkdir || len(jobs) == 0 {
				continue
			}
		}
		if len(jobs) == 0 {
			continue
		}
		dst := filepath.Join(nodeDir, sp.Self.String())
		if err := os.MkdirAll(dst, 0o777); err != nil {
			return st, err
		}
		unlock, err := sp.Lock(node, spool.LockTx)
		if err != nil {
			return st, err
		}
		dropDeadCopies(dst, &opt)
		done := &sentPackets{sp: sp, node: node, opt: &opt, st: &st}
		for _, j := range jobs {
			if j.Nice > opt.Nice {
				continue
			}
			logAttrs := []any{"who", "xfer-tx", "node", opt.Name(node), "pkt", j.ID.String(), "size", j.Size}
			final := filepath.Join(dst, j.ID.String())
			if _, err := os.Stat(final); err == nil {
				st.Skipped++
				if opt.Keep {
					opt.Log.Info("xfer: skipped: already on this medium", logAttrs...)
					continue
				}
				finishInterrupted(sp, node, j, &opt, logAttrs)
				continue
			}
			if err := room.fits(dst, j.Size); err != nil {
				st.Failed++
				opt.Log.Error("xfer: packet does not fit, left queued", append(logAttrs, "err", err)...)
				continue
			}
			n, err := txOne(sp, j, dst, &opt)
			if err != nil {
				st.Failed++
				if errors.Is(err, errNoSpace) {
					// The partial copy is gone; smaller packets may fit.
					room.tooBig = min(room.tooBig, j.Size)
					err = fmt.Errorf("%w; the partial copy was removed and the packet stays queued", err)
				}
				opt.Log.Error("xfer: packet not written", append(logAttrs, "err", err)...)
				continue
			}
			st.Packets++
			st.Bytes += n
			opt.Log.Info("xfer: packet written", logAttrs...)
			done.add(j, logAttrs)
		}
		done.flush()
		unlock()
	}
	return st, st.Err()
}

// Packets whose copies are durable on the medium are marked sent in
// their tracking records and then removed from the queue a few at a
// time: one transaction for each small packet would cost more than
// its copy. Marked first, so a run killed in between leaves records
// saying sent for packets still queued (and on the medium, where the
// next xfer finds them), never records saying queued for packets gone.
const (
	sentBatch      = 64
	sentBatchBytes = 16 << 20 // a run killed leaves at most this much copied twice
)

type sentPackets struct {
	sp    *spool.Spool
	node  packet.ID
	opt   *Options
	st    *Stats
	jobs  []spool.Job
	attrs [][]any
	bytes int64
}

func (d *sentPackets) add(j spool.Job, attrs []any) {
	d.jobs = append(d.jobs, j)
	d.attrs = append(d.attrs, attrs)
	d.bytes += j.Size
	if len(d.jobs) >= sentBatch || d.bytes >= sentBatchBytes {
		d.flush()
	}
}

func (d *sentPackets) flush() {
	if len(d.jobs) == 0 {
		return
	}
	ids := make([]packet.ID, len(d.jobs))
	for i, j := range d.jobs {
		ids[i] = j.ID
	}
	if err := d.sp.MarkSentAll(d.node, ids, "xfer", time.Now()); err != nil {
		d.opt.Log.Warn("xfer: sent packets not marked in their tracking records", "who", "xfer-tx", "node", d.opt.Name(d.node), "packets", len(ids), "err", err)
	}
	if !d.opt.Keep {
		for i, j := range d.jobs {
			if err := d.sp.Remove(d.node, spool.TX, j.ID); err != nil {
				d.st.Failed++
				d.opt.Log.Error("xfer: packet written, but its queued copy not removed (it goes again next time)", append(d.attrs[i], "err", err)...)
			}
		}
	}
	d.jobs, d.attrs, d.bytes = d.jobs[:0], d.attrs[:0], 0
}

// mediumRoom says whether a packet can fit on the medium.
type mediumRoom struct {
	tooBig int64 // smallest packet that already hit ENOSPC in this run
}

// fits reports an error for a packet that cannot fit: at least as large
// as one that already did not, or larger than the free space the
// filesystem reports (when it reports any).
func (r *mediumRoom) fits(dir string, size int64) error {
	if size >= r.tooBig {
		return fmt.Errorf("%w: a packet of %d bytes already did not fit", errNoSpace, r.tooBig)
	}
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) == nil && fs.Bsize > 0 {
		if free := int64(fs.Bavail) * int64(fs.Bsize); size > free {
			return fmt.Errorf("%w: %d bytes free", errNoSpace, free)
		}
	}
	return nil
}

var errNoSpace = errors.New("no space left on the medium")

func txOne(sp *spool.Spool, j spool.Job, dst string, opt *Options) (int64, error) {
	src, err := sp.OpenStream(j.Node, spool.TX, j.ID)
	if err != nil {
		return 0, err
	}
	defer func() { _ = src.Close() }() // read only
	tmp := filepath.Join(dst, strings.TrimSuffix(staleCopyPattern, "*")+strconv.FormatInt(time.Now().UnixNano(), 16))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return 0, mediumErr(err)
	}
	// removeTmp drops the unfinished copy; a leftover is named so that
	// no reader takes it for a packet, and the error says it is there.
	removeTmp := func() error {
		if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	fail := func(err error) (int64, error) {
		_ = f.Close() // the copy is being thrown away
		return 0, errors.Join(mediumErr(err), removeTmp())
	}
	// The copy is read back from the medium while it is written, and
	// hashed as it goes: the bytes read back must be the bytes written,
	// and those must hash to the packet's name.
	mth := packet.NewMTH()
	vo := fsio.VerifyOptions{Hash: mth, Size: j.Size}
	if opt.AfterWrite != nil {
		vo.AfterWrite = func(off, n int64) { opt.AfterWrite(tmp, off, n) }
	}
	// Progress counts the copy; the job ends once the read-back agrees.
	meter := opt.meter(j.Node, j.ID, j.Size)
	if opt.Write == nil {
		vo.Taken = meter.Add // src itself goes to ReadFrom, which takes its chunks whole
	}
	vw := fsio.NewVerifiedWriter(f, vo)
	var n int64
	if opt.Write != nil {
		n, err = packet.Copy(opt.Write(vw), meter.Reader(src))
	} else {
		n, err = vw.ReadFrom(src) // straight into its chunks
	}
	if err != nil {
		vw.Abort()
		return fail(err)
	}
	verified, err := vw.Finish() // fsyncs
	if err != nil {
		if errors.Is(err, fsio.ErrReadBack) {
			err = fmt.Errorf("read-back of %s: %w", j.ID, errors.Join(err, spool.ErrHashMismatch))
		}
		return fail(err)
	}
	if got := mth.Sum(); got != j.ID {
		return fail(fmt.Errorf("copy of %s: %w (the queued file hashes to %s)", j.ID, spool.ErrHashMismatch, got))
	}
	if !verified {
		if err := readBackWhole(f, tmp, j.ID, opt); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return 0, errors.Join(mediumErr(err), removeTmp())
	}
	final := filepath.Join(dst, j.ID.String())
	if err := os.Rename(tmp, final); err != nil {
		return 0, errors.Join(err, removeTmp())
	}
	// A .part left by an earlier, cut copy of this packet: it would
	// only be junk next to the whole one.
	if err := os.Remove(final + ".part"); err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	// The spool's copy goes once this returns: the name on the medium
	// must be durable first.
	if err := fsio.SyncDir(dst); err != nil {
		return 0, mediumErr(err)
	}
	meter.Finish()
	return n, nil
}

func mediumErr(err error) error {
	if isENOSPC(err) {
		return fmt.Errorf("%w: %v", errNoSpace, err)
	}
	return err
}

// readBackWhole reads the synced copy at tmp back from the medium, after
// dropping it from the page cache, where the copy could not be read back
// while it was written (see fsio.VerifiedWriter).
func readBackWhole(f *os.File, tmp string, id packet.ID, opt *Options) error {
	if opt.AfterWrite != nil {
		opt.AfterWrite(tmp, 0, -1)
	}
	// Not our own writes still in the page cache: the medium itself.
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("drop the copy from the page cache before reading it back: %w", err)
	}
	rf, err := fsio.OpenStream(tmp)
	if err != nil {
		return err
	}
	got, _, err := packet.MTHOf(rf)
	_ = rf.Close() // read only
	if err != nil || got != id {
		return fmt.Errorf("read-back of %s does not match: %w", id, errors.Join(err, spool.ErrHashMismatch))
	}
	return nil
}
