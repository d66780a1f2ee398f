package spool

import (
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// RxState is one listing of a node's rx queue: complete packets, partial
// and unchecked downloads, and seen markers. A call answering thousands of
// offers asks it instead of making four stat calls per offer. It can go
// stale: a caller refreshes it (see At) and adds what it adopts itself.
type RxState struct {
	At    time.Time
	names map[string]struct{} // entries of rx/
	seen  map[string]struct{} // entries of rx/seen/
}

// RxState lists node's rx queue. A queue that does not exist yet is empty.
func (s *Spool) RxState(node packet.ID) *RxState {
	dir := s.queueDir(node, RX)
	return &RxState{At: time.Now(), names: dirNames(dir), seen: dirNames(filepath.Join(dir, "seen"))}
}

func dirNames(dir string) map[string]struct{} {
	set := map[string]struct{}{}
	d, err := os.Open(dir)
	if err != nil {
		return set
	}
	defer func() { _ = d.Close() }() // read only
	names, _ := d.Readdirnames(-1)
	for _, n := range names {
		set[n] = struct{}{}
	}
	return set
}

func (r *RxState) has(name string) bool { _, ok := r.names[name]; return ok }

// Has reports a complete packet in rx/; Seen a seen marker; Part a
// partial download; Nock a download awaiting its checksum.
func (r *RxState) Has(id packet.ID) bool  { return r.has(id.String()) }
func (r *RxState) Part(id packet.ID) bool { return r.has(id.String() + ".part") }
func (r *RxState) Nock(id packet.ID) bool { return r.has(id.String() + ".nock") }
func (r *RxState) Seen(id packet.ID) bool { _, ok := r.seen[id.String()]; return ok }

// Add records a packet adopted into rx/ since the listing.
func (r *RxState) Add(id packet.ID) { r.names[id.String()] = struct{}{} }
