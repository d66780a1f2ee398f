package toss

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// freq answers a file request from the sender's freq.path, with the
// chunking, padding and size limit our config sets for that node.
func (t *Tosser) freq(o *origin, ph packet.PlainHeader, r io.Reader) error {
	dstb, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return err
	}
	if err := drain(r); err != nil {
		return err
	}
	root := o.node.Freq.Path
	if root == "" {
		return fmt.Errorf("freq from %s: freq %w", o.name, ErrNotAllowed)
	}
	src, err := confine(root, string(ph.Path))
	if err != nil {
		return err
	}
	// The final target, links resolved, must still be inside freq.path.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return spool.WrapPath("freq.path", root, err)
	}
	realSrc, err := filepath.EvalSymlinks(src)
	if err != nil {
		return refused("freq %q from %s: %v", ph.Path, o.name, err)
	}
	if realSrc != realRoot && !strings.HasPrefix(realSrc, realRoot+string(filepath.Separator)) {
		return refused("freq %q from %s resolves outside freq.path", ph.Path, o.name)
	}
	info, err := os.Stat(realSrc)
	if err != nil {
		return refused("freq %q: %v", ph.Path, err)
	}
	if !info.IsDir() && info.Size() > o.node.Freq.MaxSize {
		return refused("freq %q: %d bytes exceeds freq.maxsize", ph.Path, info.Size())
	}
	dst := strings.TrimSpace(string(dstb))
	if t.opt.DryRun {
		return nil
	}
	if !info.IsDir() {
		if err := t.roomInSpool(o.node.ID, info.Size()); err != nil {
			return fmt.Errorf("freq %q from %s: %w", ph.Path, o.name, err)
		}
	}
	opt := outbox.FileOptions{Chunked: o.node.Freq.Chunked, Options: outbox.Options{
		Nice: ph.Nice, MinSize: o.node.Freq.MinSize, MaxSize: o.node.Freq.MaxSize}}
	if _, err := t.q.File(t.ctx, outbox.Dest{Node: o.node}, realSrc, dst, opt); err != nil {
		return err
	}
	t.log.Info("freq answered", "who", "rx-freq", "node", o.name, "pkt", o.pktID.String(), "src", string(ph.Path), "dst", dst)
	t.notifyFreq(o, string(ph.Path))
	return nil
}
