package call

import (
	"testing"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A FREQ asks for one of our advertised packets from an offset; one past
// the packet's end (also past 2^63, which as int64 is negative) is
// ignored, and a DONE for the packet drops what is still queued of it,
// since the packet is gone once the peer has it.
func TestFreqOffsetsAndDone(t *testing.T) {
	t.Parallel()
	store, err := spool.Open(t.TempDir(), packet.ID{1}, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	peer := packet.ID{2}
	tmp, err := store.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(make([]byte, 480)); err != nil {
		t.Fatal(err)
	}
	id, err := tmp.Commit(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, Options{})
	s.advertised[id] = offered{size: 480, nice: 96}
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

// FILE data is written only where the download has reached: an offset
// past the .part's end (which would leave a sparse file to hash whole),
// past the announced size or past 2^63 ends the session with an error.
func TestFileOffsets(t *testing.T) {
	t.Parallel()
	store, err := spool.Open(t.TempDir(), packet.ID{1}, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: packet.ID{2}}, Options{})
	id := packet.ID{3}
	s.peerInfo[id] = 100
	data := []byte("12345")
	for _, c := range []struct {
		offset uint64
		ok     bool
	}{
		{50, false},        // a hole before any data
		{1 << 63, false},   // negative as int64
		{1<<63 - 2, false}, // offset+len overflows
		{96, false},        // past the announced size
		{0, true},          // the start
		{10, false},        // a hole after the first bytes
		{3, true},          // rewriting what is there
		{5, true},          // and on from the end
		{1<<64 - 1, false}, // and never past 2^63
	} {
		err := s.onFile(sp.Msg{Type: sp.TypeFile, Hash: id, Offset: c.offset, Data: data})
		if (err == nil) != c.ok {
			t.Fatalf("FILE at %d: %v, want ok=%v", c.offset, err, c.ok)
		}
	}
	_, _ = s.finish(EndIdle, nil) // left unfinished on purpose: its error says so
	if size, ok := store.PartSize(packet.ID{2}, id); !ok || size != 10 {
		t.Fatalf(".part: %d bytes (there: %v); want 10 bytes", size, ok)
	}
}
