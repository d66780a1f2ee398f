// Package media moves packets between the spool and removable media:
// directory trees (xfer) and tar streams (bundle), in NNCP's layouts.
// Nothing is removed from its source until its copy is verified.
package media

import (
	"io"
	"log/slog"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Options shape an xfer or bundle run.
type Options struct {
	Nice  uint8                     // only packets with nice <= this (0: 255)
	Keep  bool                      // do not remove what was copied
	Mkdir bool                      // xfer tx: create DIR/<node> when missing
	Known func(packet.ID) bool      // is this a configured neighbour
	Only  map[packet.ID]bool        // nil: every node
	Log   *slog.Logger              // nil: discard
	Name  func(packet.ID) string    // names nodes in the log; nil: ids
	Write func(io.Writer) io.Writer // test hook: wraps medium writes
	// AfterWrite is a test hook: xfer tx calls it once bytes [off,
	// off+n) of the copy at path (n -1: all of it) are on the medium and
	// before they are read back, so a test can damage them there.
	AfterWrite func(path string, off, n int64)
	// Me are our keys: with them, each packet taken in is read only up
	// to the end its SIZE block declares (see packet.Bound). nil: up to
	// the end of the file or entry.
	Me *packet.Identity
	// RxQuota is the rx quota of a sender's queue (ferry-quota); nil or
	// an unset quota: none. A packet that does not fit stays on the
	// medium or in the stream, logged and counted in Stats.OverQuota,
	// as a call leaves one queued at the peer (rxquota.go).
	RxQuota func(sender packet.ID) spool.Quota
	// Progress, when set, is told how much of each packet was copied,
	// one job per packet named "NODE PKT" (the id shortened).
	Progress packet.Progress
}

// meter starts the progress count of one packet's copy.
func (o *Options) meter(node, id packet.ID, size int64) *packet.ProgressMeter {
	if o.Progress == nil {
		return nil // no name to build
	}
	return packet.NewProgressMeter(o.Progress, o.Name(node)+" "+id.String()[:12], size)
}

func (o *Options) init() {
	if o.Nice == 0 {
		o.Nice = packet.NiceMax
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Known == nil {
		o.Known = func(packet.ID) bool { return true }
	}
	if o.Name == nil {
		o.Name = packet.ID.String
	}
}

func (o *Options) wanted(id packet.ID) bool { return o.Only == nil || o.Only[id] }
