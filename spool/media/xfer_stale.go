package media

import (
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// staleCopyPattern matches the temporary names txOne writes a copy
// under before it is verified and renamed.
const staleCopyPattern = ".ferryxfer.*"

// dropDeadCopies removes from dst (DIR/<node>/<self>/, which only our own
// xfer --tx writes) the partial copies an xfer killed mid-write left
// there. The caller holds the node's tx lock, so no live writer of ours
// is using them; the packets they were copies of are still queued and go
// again. Without this, each partial copy stays on the medium for ever,
// and every xfer --rx skips it with a log line.
func dropDeadCopies(dst string, opt *Options) {
	stale, err := filepath.Glob(filepath.Join(dst, staleCopyPattern))
	if err != nil {
		return // only a bad pattern fails Glob
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			opt.Log.Warn("xfer: partial copy of an interrupted xfer not removed", "who", "xfer-tx", "path", p, "err", err)
			continue
		}
		opt.Log.Info("xfer: partial copy of an interrupted xfer removed", "who", "xfer-tx", "path", p)
	}
}

// finishInterrupted completes the run that put packet j on the medium
// and was killed before it removed it from the queue: only txOne gives a
// copy in our directory there its final name, and only after reading it
// back, so the name proves a whole copy. Without this the packet would
// stay queued, skipped by every later xfer to this medium and carried
// again on the next one.
func finishInterrupted(sp *spool.Spool, node packet.ID, j spool.Job, opt *Options, logAttrs []any) {
	if err := sp.Remove(node, spool.TX, j.ID); err != nil {
		opt.Log.Warn("xfer: already on this medium; not removed from the queue", append(logAttrs, "err", err)...)
		return
	}
	opt.Log.Info("xfer: already on this medium (an earlier xfer was interrupted); removed from the queue", logAttrs...)
	if err := sp.MarkSent(node, j.ID, "xfer", time.Now()); err != nil {
		opt.Log.Warn("xfer: sent packet not marked in its tracking record", append(logAttrs, "err", err)...)
	}
}
