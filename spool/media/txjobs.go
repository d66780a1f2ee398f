package media

import (
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// txJobs lists node's tx queue for a medium (op: "xfer" or "bundle"); a
// file there that is not a packet is left in the spool, logged and
// counted as failed, so the run's exit status says so.
func txJobs(sp *spool.Spool, node packet.ID, st *Stats, opt Options, op string) ([]spool.Job, error) {
	jobs, bad, err := sp.Jobs(node, spool.TX)
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		st.Failed++
		opt.Log.Error(op+": not a packet, left in the spool", "who", op+"-tx", "node", opt.Name(node), "path", b.Path, "err", b.Err)
	}
	return jobs, nil
}
