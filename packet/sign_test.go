package packet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// TestSignMatchesStdlib: signNoTable gives ed25519.Sign's signature, byte for
// byte (Ed25519 is deterministic), for random keys and messages of every
// length around a header's, and the standard library verifies it.
func TestSignMatchesStdlib(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	msg := make([]byte, 300)
	for i := range n {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		m := msg[:i%len(msg)]
		if _, err := rand.Read(m); err != nil {
			t.Fatal(err)
		}
		got, want := signNoTable(priv, m), ed25519.Sign(priv, m)
		if !bytes.Equal(got, want) {
			t.Fatalf("key %x msg %x:\nsign    %x\nstdlib  %x", priv.Seed(), m, got, want)
		}
		if !ed25519.Verify(priv.Public().(ed25519.PublicKey), m, got) {
			t.Fatalf("key %x msg %x: signature does not verify", priv.Seed(), m)
		}
	}
}

// TestSignVector is RFC 8032's test 2 (section 7.1): one-byte message.
func TestSignVector(t *testing.T) {
	seed, _ := hex.DecodeString("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
	sig, _ := hex.DecodeString("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" +
		"085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
	if got := signNoTable(ed25519.NewKeyFromSeed(seed), []byte{0x72}); !bytes.Equal(got, sig) {
		t.Fatalf("got %x\nwant %x", got, sig)
	}
}

func BenchmarkSign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 150)
	for b.Loop() {
		signNoTable(priv, msg)
	}
}

func BenchmarkSignStdlib(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 150)
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}
