package toss

import (
	"errors"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/reass"
)

// reassemble rebuilds every chunked file whose meta and chunks have all
// arrived in an incoming directory; incomplete ones wait for later tosses.
func (t *Tosser) reassemble() {
	dirs := map[string]bool{}
	for _, n := range t.c.Neigh {
		if n.Incoming != "" {
			dirs[n.Incoming] = true
		}
	}
	for _, a := range t.c.Areas {
		if a.Incoming != "" {
			dirs[a.Incoming] = true
		}
	}
	for dir := range dirs {
		metas, err := reass.Find(dir)
		if err != nil {
			// An unreadable incoming directory hides its chunked files from
			// every toss: say so and count it, then go on with the rest
			// (Find already returned what it saw before the error).
			t.res.Failed++
			t.log.Error("reassembly: cannot list an incoming directory", "who", "reass", "err", err)
		}
		for _, m := range metas {
			if !reass.Complete(m) {
				continue
			}
			final, err := reass.Reass(m, reass.Options{NoSync: t.sp.NoSync(), Umask: t.opt.Umask, Room: t.roomIn})
			if errors.Is(err, spool.ErrNoRoom) {
				t.res.NoRoom++
				t.res.Failed++
				t.log.Warn("reassembly waits: not enough free space", "who", "reass", "path", m, "err", err)
				continue
			}
			if err != nil {
				t.res.Failed++
				t.log.Error("reassembly failed", "who", "reass", "path", m, "err", err)
				continue
			}
			t.res.Reassembled++
			t.log.Info("file reassembled", "who", "reass", "dst", final)
		}
	}
}
