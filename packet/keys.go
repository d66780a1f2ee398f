package packet

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"sync"
	"sync/atomic"

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

// exchKeys caches the X25519 private keys of the identities packets were
// read with, by their private half: ecdh.NewPrivateKey computes the
// public key, a scalar multiplication as costly as the packet's own
// key agreement, and a toss reads every packet with the same one or two.
// Only the first exchKeysMax are kept: a program reading with ever new
// identities (tests, fuzzing) computes the others each time.
var (
	exchKeys  sync.Map // [32]byte -> *ecdh.PrivateKey
	exchKeysN atomic.Int32
)

const exchKeysMax = 64

// exchKey is prv as an X25519 private key.
func exchKey(prv *[32]byte) (*ecdh.PrivateKey, error) {
	if k, ok := exchKeys.Load(*prv); ok {
		return k.(*ecdh.PrivateKey), nil
	}
	k, err := ecdh.X25519().NewPrivateKey(prv[:])
	if err != nil {
		return nil, err
	}
	if exchKeysN.Add(1) <= exchKeysMax {
		exchKeys.Store(*prv, k)
	}
	return k, nil
}
