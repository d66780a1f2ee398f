package toss

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// ErrNotAllowed is returned when the config does not permit an action.
var ErrNotAllowed = errors.New("not allowed by the config")

func (t *Tosser) file(o *origin, ph packet.PlainHeader, r io.Reader) error {
	if o.inc == "" {
		if err := drain(r); err != nil {
			return err
		}
		return fmt.Errorf("file from %s: incoming %w", o.name, ErrNotAllowed)
	}
	dst, err := confineNew(o.inc, string(ph.Path))
	if err != nil {
		return err
	}
	if t.opt.DryRun {
		return drain(r)
	}
	// A run killed after the file was linked into place but before the
	// packet was removed must not deliver it a second time.
	dir, base, key := filepath.Dir(dst), filepath.Base(dst), o.pktID.String()
	if o.area != nil {
		key += "." + o.area.ID.String()
	}
	if final, ok := fsio.Delivered(dir, base, key); ok {
		t.log.Info("file was delivered before an interruption", "who", "rx-file", "node", o.name, "pkt", o.pktID.String(), "dst", final)
		// The proof stays until the packet is gone: this run may be
		// interrupted too.
		proof := fsio.DeliveryProof(dir, key)
		o.cleanup = append(o.cleanup, func() error { return os.Remove(proof) })
		return drain(r)
	}
	if err := t.roomIn(dir, o.size); err != nil {
		return fmt.Errorf("file %s: %w", dst, err)
	}
	w, err := fsio.NewKeyedFileWriter(dir, base, key, t.opt.Umask, t.sp.NoSync())
	if err != nil {
		return spool.WrapPath("file", dst, err)
	}
	// Straight into the writer's chunks: the packet reader decrypts into
	// them, with no copy of the file's bytes in between.
	if _, err := w.ReadFrom(r); err != nil {
		t.leftover(o, w.Abort())
		return err
	}
	final, err := w.CommitKeeping()
	if err != nil {
		return spool.WrapPath("file", dst, err)
	}
	// The keyed temporary name stays until the packet is gone: it is
	// what proves the delivery if we are interrupted before that.
	tmp := w.TmpPath()
	o.cleanup = append(o.cleanup, func() error { return os.Remove(tmp) })
	t.log.Info("file received", "who", "rx-file", "node", o.name, "pkt", o.pktID.String(), "dst", final, "size", w.Size())
	t.notifyFile(o, string(ph.Path), w.Size())
	return nil
}
