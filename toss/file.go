package toss

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"ferry/packet"
	"ferry/spool"
)

// ErrNotAllowed is returned when the config does not permit an action.
var ErrNotAllowed = errors.New("not allowed by the config")

func (t *Tosser) file(o *origin, ph packet.PlainHeader, r io.Reader) error {
	if o.inc == "" {
		drain(r)
		return fmt.Errorf("file from %s: incoming %w", o.name, ErrNotAllowed)
	}
	dst, err := confine(o.inc, string(ph.Path))
	if err != nil {
		return err
	}
	if t.opt.DryRun {
		return drain(r)
	}
	w, err := spool.NewFileWriter(filepath.Dir(dst), filepath.Base(dst), t.opt.Umask, t.sp.NoSync())
	if err != nil {
		return fmt.Errorf("file %s: %w", dst, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return err
	}
	final, err := w.Commit()
	if err != nil {
		return fmt.Errorf("file %s: %w", dst, err)
	}
	t.log.Info("file received", "who", "rx-file", "node", o.name, "pkt", o.pktID.String(), "dst", final, "size", w.Size())
	t.notifyFile(o, string(ph.Path), w.Size())
	return nil
}
