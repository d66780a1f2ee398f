package media

import (
	"os"
	"path/filepath"
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
