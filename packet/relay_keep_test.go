package packet_test

import (
	"bytes"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// TestKeepingRelayWriter: the kept copy is the innermost layer byte for
// byte (the packet the last relay hands the destination), whose MTH is
// the last id; a direct route keeps the whole packet.
func TestKeepingRelayWriter(t *testing.T) {
	alice, bob, carol := loadKeyring(t, "alice"), loadKeyring(t, "bob"), loadKeyring(t, "carol")
	carol.peers[alice.self.ID] = alice.self.Peer()
	body := payload(300000)
	for _, route := range [][]*keyring{{carol}, {bob, carol}, {bob, bob, carol}} {
		var peers []packet.Peer
		for _, k := range route {
			peers = append(peers, k.self.Peer())
		}
		var out, kept bytes.Buffer
		w, ids, err := packet.NewKeepingRelayWriter(&out, &kept, alice.self, peers, packet.PlainHeader{Type: packet.TypeFile, Path: []byte("x")}, packet.WriteOptions{Nice: 100})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data := out.Bytes()
		for _, k := range route[:len(route)-1] {
			_, data = peel(t, k, data)
		}
		if !bytes.Equal(kept.Bytes(), data) {
			t.Fatalf("route of %d: the kept copy (%d bytes) is not the innermost layer (%d bytes)", len(route), kept.Len(), len(data))
		}
		sum, _, err := packet.MTHOf(bytes.NewReader(kept.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(); len(route) > 1 && got[len(got)-1] != sum {
			t.Errorf("route of %d: last id %s, the kept copy hashes to %s", len(route), got[len(got)-1], sum)
		}
		if ph, got := peel(t, carol, kept.Bytes()); ph.Type != packet.TypeFile || !bytes.Equal(got, body) {
			t.Fatalf("route of %d: the kept copy does not open to the file", len(route))
		}
	}
}
