package call

import (
	"testing"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A packet handed to the committer is neither requested again nor
// acknowledged early when the peer offers it once more: its DONE follows
// the commit. One not yet received is requested.
func TestOfferOfPacketAwaitingCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	self, peer := packet.ID{1}, packet.ID{2}
	store, err := spool.Open(dir, self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, Options{})
	waiting, fresh := packet.ID{3}, packet.ID{4}
	s.waiting[waiting] = true
	for _, c := range []struct {
		id   packet.ID
		want []sp.Type
	}{
		{waiting, nil},
		{fresh, []sp.Type{sp.TypeFreq}},
	} {
		var r reply
		s.onInfo(sp.Msg{Type: sp.TypeInfo, Hash: c.id, Size: 100, Nice: 1}, &r)
		var got []sp.Type
		for _, p := range r.out {
			if err := sp.Decode(p, func(m sp.Msg) error { got = append(got, m.Type); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("offer of %s: replies %v, want %v", c.id, got, c.want)
		}
	}
}
