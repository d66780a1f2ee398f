package media

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"ferry/packet"
	"ferry/spool"
)

// XferTx copies our outbound packets to DIR/<node>/<self>/ for every node
// whose directory exists (or, with Mkdir, every node). Each copy is
// written under a temporary name, synced, read back and checked against
// its name, and only then renamed into place and removed from the spool
// (unless Keep). A full medium leaves each packet either complete there
// or still in the spool.
func XferTx(sp *spool.Spool, dir string, nodes []packet.ID, opt Options) (Stats, error) {
	opt.init()
	var st Stats
	for _, node := range nodes {
		if !opt.wanted(node) {
			continue
		}
		jobs, _, err := sp.Jobs(node, spool.TX)
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
		for _, j := range jobs {
			if j.Nice > opt.Nice {
				continue
			}
			final := filepath.Join(dst, j.ID.String())
			if _, err := os.Stat(final); err == nil {
				st.Skipped++ // already on this medium (kept from an earlier run)
				continue
			}
			n, err := txOne(sp, j, dst, &opt)
			if err != nil {
				st.Failed++
				opt.Log.Error("xfer: packet not written", "who", "xfer-tx", "node", opt.Name(node), "pkt", j.ID.String(), "err", err)
				if errors.Is(err, errNoSpace) {
					break // the medium is full: the rest stays queued
				}
				continue
			}
			st.Packets++
			st.Bytes += n
			opt.Log.Info("xfer: packet written", "who", "xfer-tx", "node", opt.Name(node), "pkt", j.ID.String(), "size", n)
			if !opt.Keep {
				sp.Remove(node, spool.TX, j.ID)
			}
		}
		unlock()
	}
	return st, st.Err()
}

var errNoSpace = errors.New("no space left on the medium")

func txOne(sp *spool.Spool, j spool.Job, dst string, opt *Options) (int64, error) {
	src, err := sp.OpenStream(j.Node, spool.TX, j.ID)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	tmp := filepath.Join(dst, ".ferryxfer."+strconv.FormatInt(time.Now().UnixNano(), 16))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return 0, mediumErr(err)
	}
	fail := func(err error) (int64, error) {
		f.Close()
		os.Remove(tmp)
		return 0, mediumErr(err)
	}
	bw := spool.NewBulkWriter(f, 0, true, nil) // around the cache past 4 MiB
	var w io.Writer = bw
	if opt.Write != nil {
		w = opt.Write(bw)
	}
	n, err := packet.Copy(w, src)
	if err == nil {
		err = bw.Finish()
	} else {
		bw.Abort()
	}
	if err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	// Read the copy back from the medium itself, not from our own writes
	// still in the page cache: media lie, and this is our only chance to
	// know.
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return 0, mediumErr(err)
	}
	rf, err := spool.OpenStream(tmp)
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	got, _, err := packet.MTHOf(rf)
	rf.Close()
	if err != nil || got != j.ID {
		os.Remove(tmp)
		return 0, fmt.Errorf("read-back of %s does not match: %w", j.ID, errors.Join(err, spool.ErrHashMismatch))
	}
	final := filepath.Join(dst, j.ID.String())
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	os.Remove(final + ".part")
	if d, err := os.Open(dst); err == nil {
		d.Sync()
		d.Close()
	}
	return n, nil
}

func mediumErr(err error) error {
	if isENOSPC(err) {
		return fmt.Errorf("%w: %v", errNoSpace, err)
	}
	return err
}
