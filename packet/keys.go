package packet

import (
	"crypto/ed25519"

	"golang.org/x/crypto/blake2b"
)

// Peer is what we know of another node (or an area) to encrypt to it and
// to verify what it signed.
type Peer struct {
	ID      ID
	ExchPub [32]byte          // X25519 public key packets are encrypted to
	SignPub ed25519.PublicKey // nil for areas: nothing to verify with
}

// Identity holds our own private keys: enough to sign and encrypt packets
// and to decrypt the ones addressed to us. An area with its private key
// is an Identity too (its ID is the area id, no signing keys).
type Identity struct {
	ID      ID
	ExchPrv [32]byte
	ExchPub [32]byte
	SignPrv ed25519.PrivateKey // 64 bytes, seed ‖ pub
	SignPub ed25519.PublicKey
}

// Peer returns the public half of id.
func (id *Identity) Peer() Peer {
	return Peer{ID: id.ID, ExchPub: id.ExchPub, SignPub: id.SignPub}
}

// NodeID derives a node id from its Ed25519 public key: BLAKE2b-256.
func NodeID(signPub ed25519.PublicKey) ID {
	return ID(blake2b.Sum256(signPub))
}

// AreaID derives an area id from its X25519 public key: BLAKE2b-256.
func AreaID(pub [32]byte) ID {
	return ID(blake2b.Sum256(pub[:]))
}
