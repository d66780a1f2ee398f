package spool_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func TestRxState(t *testing.T) {
	sp := openSpool(t)
	if st, err := sp.RxState(peer); err != nil || st.Has(packet.ID{9}) || st.Seen(packet.ID{9}) {
		t.Fatalf("a queue that does not exist yet lists something, or fails (%v)", err)
	}
	have, part, nock, seen, none := packet.ID{10}, packet.ID{11}, packet.ID{12}, packet.ID{13}, packet.ID{14}
	rx := sp.QueueDir(peer, spool.RX)
	if err := os.MkdirAll(filepath.Join(rx, "seen"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{sp.PacketPath(peer, spool.RX, have), sp.PartPath(peer, part), sp.NockPath(peer, nock), filepath.Join(rx, "seen", seen.String())} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := sp.RxState(peer)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name                    string
		id                      packet.ID
		has, part, nock, isSeen bool
	}{
		{"complete", have, true, false, false, false},
		{"partial", part, false, true, false, false},
		{"unchecked", nock, false, false, true, false},
		{"seen", seen, false, false, false, true},
		{"absent", none, false, false, false, false},
	} {
		if st.Has(c.id) != c.has || st.Part(c.id) != c.part || st.Nock(c.id) != c.nock || st.Seen(c.id) != c.isSeen {
			t.Errorf("%s: has %v part %v nock %v seen %v", c.name, st.Has(c.id), st.Part(c.id), st.Nock(c.id), st.Seen(c.id))
		}
	}
	st.Add(none)
	if !st.Has(none) {
		t.Error("an added packet is not listed")
	}
}

// A queue that cannot be listed says so (it listed nothing, silently).
func TestRxStateUnreadable(t *testing.T) {
	sp := openSpool(t)
	rx := sp.QueueDir(peer, spool.RX)
	if err := os.MkdirAll(filepath.Dir(rx), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rx, nil, 0o644); err != nil { // not a directory
		t.Fatal(err)
	}
	if _, err := sp.RxState(peer); err == nil {
		t.Fatal("no error from a queue that is not a directory")
	}
}
