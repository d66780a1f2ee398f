package spool

import (
	"os"
	"slices"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// lookup finds the cached size of each name given, whatever its
// niceness, and says whether the index holds more than the names.
func TestIndexLookup(t *testing.T) {
	s, err := Open(t.TempDir(), packet.ID{1}, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	node := packet.ID{2}
	if err := os.MkdirAll(s.queueDir(node, TX), 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	sizes := map[string]int64{}
	for i, nice := range []uint8{200, 3, 90, 3} {
		id := packet.ID{9, byte(i)}
		data := append((&packet.EncHeader{Nice: nice, Sender: node, Recipient: packet.ID{1}}).Append(nil), make([]byte, 10+i)...)
		if err := os.WriteFile(s.packetPath(node, TX, id), data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, id.String())
		sizes[id.String()] = int64(len(data))
	}
	if _, _, err := s.Count(node, TX); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	ids := make([]packet.ID, len(names))
	for i, n := range names {
		ids[i], _ = packet.ParseID(n)
	}
	found, stale, err := s.ix.lookup(node, TX, names[1:], ids[1:])
	if err != nil || !stale {
		t.Fatalf("stale %v, %v; want the left-out name seen as stale", stale, err)
	}
	for i, j := range found {
		if j.ID != ids[i+1] || j.Size != sizes[names[i+1]] {
			t.Fatalf("entry %d: %s size %d, want %s size %d", i, j.ID, j.Size, names[i+1], sizes[names[i+1]])
		}
	}
}
