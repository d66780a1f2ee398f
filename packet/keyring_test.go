package packet_test

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"github.com/hjson/hjson-go/v4"

	"github.com/ferry-dtn/ferry/packet"
)

// keyring is the part of an NNCP config the packet tests need. It is read
// here with hjson directly so that packet's tests stand on their own.
type keyring struct {
	self  *packet.Identity
	peers map[packet.ID]packet.Peer
	area  *packet.Identity
}

func loadKeyring(t testing.TB, node string) *keyring {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "nncp", "configs", node+".hjson"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := hjson.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	key := func(v any, n int) []byte {
		b, err := packet.DecodeKey(v.(string), n)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	self := m["self"].(map[string]any)
	kr := &keyring{peers: map[packet.ID]packet.Peer{}}
	id := &packet.Identity{
		SignPrv: ed25519.PrivateKey(key(self["signprv"], 64)),
		SignPub: ed25519.PublicKey(key(self["signpub"], 32)),
	}
	id.ID = packet.ID(key(self["id"], 32))
	copy(id.ExchPrv[:], key(self["exchprv"], 32))
	copy(id.ExchPub[:], key(self["exchpub"], 32))
	kr.self = id
	for _, v := range m["neigh"].(map[string]any) {
		n := v.(map[string]any)
		p := packet.Peer{ID: packet.ID(key(n["id"], 32)), SignPub: key(n["signpub"], 32)}
		copy(p.ExchPub[:], key(n["exchpub"], 32))
		kr.peers[p.ID] = p
	}
	for _, v := range m["areas"].(map[string]any) {
		a := v.(map[string]any)
		ai := &packet.Identity{ID: packet.ID(key(a["id"], 32))}
		copy(ai.ExchPrv[:], key(a["prv"], 32))
		copy(ai.ExchPub[:], key(a["pub"], 32))
		kr.area = ai
	}
	return kr
}

func (kr *keyring) lookup(id packet.ID) (packet.Peer, bool) {
	p, ok := kr.peers[id]
	return p, ok
}

func ed25519Pub(seed []byte) ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}
