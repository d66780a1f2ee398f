package media

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// XferRx takes packets addressed to us from DIR/<self>/<sender>/ into the
// spool: each is checked against its name while it is copied, skipped if
// already received, and removed from the medium only once in the spool.
//
// Nothing on the medium is followed or opened unless it is what the
// layout promises: a symlink, directory, FIFO or device where a sender's
// directory or a packet belongs is refused with a log line, as is a
// sender we do not know and data after a packet's end. Names that are
// not node ids or packet ids (a writer's temporary files, a desktop's
// litter) are skipped with a log line. Everything else is still taken.
func XferRx(sp *spool.Spool, dir string, opt Options) (Stats, error) {
	opt.init()
	x := &xferRx{sp: sp, opt: &opt}
	base := filepath.Join(dir, sp.Self.String())
	fi, err := os.Lstat(base)
	switch {
	case os.IsNotExist(err):
		return x.st, nil
	case err != nil:
		return x.st, err
	case !fi.IsDir():
		x.refuse(base, nil, errors.New(irregular(fi.Mode())+" where our directory belongs"))
		return x.st, x.st.Err()
	}
	senders, err := readDir(base)
	if err != nil {
		return x.st, err
	}
	for _, sd := range senders {
		path := filepath.Join(base, sd.Name())
		sender, err := packet.ParseID(sd.Name())
		switch {
		case err != nil:
			x.skip(path, nil, "not a node id")
		case !sd.IsDir():
			x.refuse(path, nil, errors.New(irregular(sd.Type())+" where a sender's directory belongs"))
		case !opt.wanted(sender):
			// Another node than the ones asked for: not ours to judge now.
		case !opt.Known(sender):
			x.refuse(path, nil, errors.New("sender is not a configured neighbour; its packets stay on the medium"))
		default:
			if err := x.senderDir(path, sender); err != nil {
				// One unreadable directory does not stop the others.
				x.st.Failed++
				opt.Log.Error("xfer: sender's directory not read", "who", "xfer-rx", "node", opt.Name(sender), "path", path, "err", bare(err, path))
			}
		}
	}
	return x.st, x.st.Err()
}

type xferRx struct {
	sp  *spool.Spool
	opt *Options
	st  Stats
}

// readDir lists a directory without following a symlink to it.
func readDir(path string) ([]fs.DirEntry, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	return f.ReadDir(-1)
}

func (x *xferRx) senderDir(path string, sender packet.ID) error {
	ents, err := readDir(path)
	if err != nil {
		return err
	}
	for _, e := range ents {
		src := filepath.Join(path, e.Name())
		id, err := packet.ParseID(e.Name())
		switch {
		case err != nil:
			x.skip(src, nil, "not a packet name")
		case !e.Type().IsRegular():
			x.refuse(src, nil, errors.New(irregular(e.Type())+" where a packet belongs; not opened"))
		case x.sp.Has(sender, spool.RX, id) || x.sp.Seen(sender, id):
			x.skip(src, &sender, "already received")
			if !x.opt.Keep {
				x.removeSrc(src, sender, id)
			}
		default:
			x.one(src, sender, id)
		}
	}
	return nil
}

// one copies a packet file into the spool, reading no further than the
// packet's own end.
func (x *xferRx) one(src string, sender, id packet.ID) {
	f, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		x.refuse(src, &sender, errors.New("symbolic link where a packet belongs; not followed"))
		return
	}
	if err != nil {
		x.fail(src, sender, id, err)
		return
	}
	defer func() { _ = f.Close() }() // read only
	fi, err := f.Stat()
	if err != nil {
		x.fail(src, sender, id, err)
		return
	}
	if !fi.Mode().IsRegular() { // replaced since it was listed
		x.refuse(src, &sender, errors.New(irregular(fi.Mode())+" where a packet belongs"))
		return
	}
	head := make([]byte, packet.EncHeaderSize)
	if _, err := io.ReadFull(f, head); err != nil {
		x.fail(src, sender, id, fmt.Errorf("%d bytes: %w", fi.Size(), packet.ErrShortHeader))
		return
	}
	h, err := packet.ParseEncHeader(head)
	if err != nil {
		x.fail(src, sender, id, err)
		return
	}
	if h.Nice > x.opt.Nice {
		x.skip(src, &sender, "niceness "+packet.NiceString(h.Nice)+" above --nice")
		return
	}
	if err := checkRxQuota(x.sp, x.opt, sender, fi.Size()); err != nil {
		if overQuota(err) {
			x.overQuota(src, sender, id, err)
		} else {
			x.fail(src, sender, id, err)
		}
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		x.fail(src, sender, id, err)
		return
	}
	stream := fsio.StreamFile(f)          // a medium's packets are seldom cached
	defer func() { _ = stream.Close() }() // read only
	meter := x.opt.meter(sender, id, fi.Size())
	in := packet.NewBound(meter.Reader(stream), x.opt.Me)
	_, n, err := x.sp.CopyInWithin(in, sender, spool.RX, &id, x.opt.rxQuota(sender))
	if overQuota(err) { // others took the room since the check
		x.overQuota(src, sender, id, err)
		return
	}
	if err != nil {
		x.fail(src, sender, id, err)
		return
	}
	meter.Finish()
	x.st.Packets++
	x.st.Bytes += n
	x.opt.Log.Info("xfer: packet received", "who", "xfer-rx", "node", x.opt.Name(sender), "pkt", id.String(), "size", n)
	if in.Ended() && n < fi.Size() {
		x.refuse(src, &sender, fmt.Errorf("%d bytes after the end of the packet; the file stays on the medium", fi.Size()-n))
		return
	}
	if !x.opt.Keep {
		x.removeSrc(src, sender, id)
	}
}

// removeSrc removes a packet from the medium once the spool has it; one
// left there is not lost, but the medium is not done: it counts as failed.
func (x *xferRx) removeSrc(src string, sender, id packet.ID) {
	if err := os.Remove(src); err != nil && !os.IsNotExist(err) {
		x.fail(src, sender, id, fmt.Errorf("received, but not removed from the medium: %w", bare(err, src)))
	}
}

func (x *xferRx) skip(path string, node *packet.ID, why string) {
	x.st.Skipped++
	attrs := []any{"who", "xfer-rx", "path", path}
	if node != nil {
		attrs = append(attrs, "node", x.opt.Name(*node))
	}
	x.opt.Log.Info("xfer: skipped: "+why, attrs...)
}

// overQuota leaves a packet on the medium: it does not fit in its
// sender's rx quota.
func (x *xferRx) overQuota(path string, sender, id packet.ID, err error) {
	x.st.OverQuota++
	x.opt.Log.Warn("xfer: packet left on the medium: it does not fit in the rx quota", "who", "xfer-rx",
		"node", x.opt.Name(sender), "pkt", id.String(), "path", path, "err", err)
}

func (x *xferRx) refuse(path string, node *packet.ID, err error) {
	x.st.Refused++
	attrs := []any{"who", "xfer-rx", "path", path, "err", err}
	if node != nil {
		attrs = append(attrs, "node", x.opt.Name(*node))
	}
	x.opt.Log.Error("xfer: refused", attrs...)
}

func (x *xferRx) fail(path string, sender, id packet.ID, err error) {
	x.st.Failed++
	x.opt.Log.Error("xfer: packet not taken", "who", "xfer-rx", "node", x.opt.Name(sender), "pkt", id.String(), "path", path, "err", bare(err, path))
}

// bare drops the path from an error about path, which the log line names
// already.
func bare(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// irregular names a file type for log lines.
func irregular(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsRegular():
		return "regular file"
	}
	return "irregular file"
}
