package spool

import (
	"errors"
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
// On an error the listing holds what could be read, and is still usable:
// what it misses is only fetched again (and dropped by toss).
func (s *Spool) RxState(node packet.ID) (*RxState, error) {
	dir := s.queueDir(node, RX)
	names, err1 := dirNames(dir)
	seen, err2 := dirNames(filepath.Join(dir, "seen"))
	return &RxState{At: time.Now(), names: names, seen: seen}, errors.Join(err1, err2)
}

func dirNames(dir string) (map[string]struct{}, error) {
	set := map[string]struct{}{}
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return set, nil
	}
	if err != nil {
		return set, err
	}
	defer func() { _ = d.Close() }() // read only
	names, err := d.Readdirnames(-1)
	for _, n := range names {
		set[n] = struct{}{}
	}
	return set, err
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
