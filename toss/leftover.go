package toss

import (
	"os"
)

// leftover logs a cleanup that failed once a packet was handled, refused
// or given up on: the outcome stands, but a file (a scratch copy, a
// temporary name, a marker) stays behind, and the line says which.
// Already gone is fine.
func (t *Tosser) leftover(o *origin, err error) {
	if err == nil || os.IsNotExist(err) {
		return
	}
	t.log.Warn("cleanup failed: a file stays behind", "who", "rx", "node", o.name, "pkt", o.pktID.String(), "err", err)
}

// dropScratch closes and removes a scratch file of the spool's tmp/ that
// served one packet.
func (t *Tosser) dropScratch(o *origin, f *os.File) {
	_ = f.Close() // scratch: what it held was used, or is thrown away
	t.leftover(o, os.Remove(f.Name()))
}
