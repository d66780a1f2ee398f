package call

import (
	"testing"

	"ferry/call/sp"
	"ferry/cfg"
	"ferry/packet"
	"ferry/spool"
)

// A FREQ asks for one of our advertised packets from an offset; one past
// the packet's end (also past 2^63, which as int64 is negative) is
// ignored, and a DONE for the packet drops what is still queued of it,
// since the packet is gone once the peer has it.
func TestFreqOffsetsAndDone(t *testing.T) {
	store, err := spool.Open(t.TempDir(), packet.ID{1}, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	peer := packet.ID{2}
	tmp, err := store.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	tmp.Write(make([]byte, 480))
	id, err := tmp.Commit(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, Options{})
	s.advertised[id] = spool.Job{ID: id, Node: peer, Size: 480, Nice: 96}
	for _, c := range []struct {
		offset uint64
		queued int
	}{
		{481, 0}, {1 << 63, 0}, {1<<64 - 1, 0}, {480, 1}, {0, 2},
	} {
		s.onFreq(sp.Msg{Type: sp.TypeFreq, Hash: id, Offset: c.offset})
		if len(s.queue) != c.queued {
			t.Fatalf("after a FREQ at %d: %d requests queued, want %d", c.offset, len(s.queue), c.queued)
		}
	}
	s.onDone(sp.Msg{Type: sp.TypeDone, Hash: id})
	if len(s.queue) != 0 || store.Has(peer, spool.TX, id) {
		t.Fatalf("after DONE: %d requests queued, packet still queued: %v", len(s.queue), store.Has(peer, spool.TX, id))
	}
}
