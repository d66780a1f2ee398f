package call

import (
	"testing"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A peer that sends FILE data for a packet we did not request for want
// of room writes nothing: the spool is ours to keep from filling.
func TestFileForAPacketNotRequestedIsDropped(t *testing.T) {
	t.Parallel()
	self, peer := packet.ID{1}, packet.ID{2}
	full := func(string) (spool.Space, error) { return spool.Space{Avail: 1 << 20, Total: 1 << 30}, nil }
	store, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true, Space: full})
	if err != nil {
		t.Fatal(err)
	}
	c := &cfg.Config{Reserve: cfg.Reserve{Set: true, Bytes: 512 << 10}}
	s := newSession(store, c, &cfg.Node{Name: "peer", ID: peer}, Options{})
	big, small := packet.ID{3}, packet.ID{4}
	for _, o := range []struct {
		id   packet.ID
		size uint64
		freq bool
	}{{big, 4 << 20, false}, {small, 1000, true}} {
		var r reply
		s.onInfo(sp.Msg{Type: sp.TypeInfo, Hash: o.id, Size: o.size, Nice: 1}, &r)
		freq := false
		for _, p := range r.out {
			if err := sp.Decode(p, func(m sp.Msg) error { freq = freq || m.Type == sp.TypeFreq; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		if freq != o.freq {
			t.Errorf("offer of %d bytes: FREQ %v, want %v", o.size, freq, o.freq)
		}
	}
	if err := s.onFile(sp.Msg{Type: sp.TypeFile, Hash: big, Data: make([]byte, 1000)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.PartSize(peer, big); ok {
		t.Error("unrequested FILE data was written")
	}
	if s.stats.NoRoom != 1 || s.stats.RxBytes != 0 {
		t.Errorf("stats %+v", s.stats)
	}
}
