package packet

import (
	"crypto/cipher"
	"sync"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/chacha20poly1305"
)

// Key-derivation contexts: the encrypted magic (with its raw NULs), a
// space, then the key's role.
var (
	ctxFull = string(MagicEncrypted[:]) + " FULL"
	ctxSize = string(MagicEncrypted[:]) + " SIZE"
	ctxPad  = string(MagicEncrypted[:]) + " PAD"
)

// packetKeys are the per-packet keys derived from the X25519 shared secret.
type packetKeys struct {
	full, size cipher.AEAD
	sizeKey    [32]byte // raw K_size, to peek at a SIZE block before authenticating it
	pad        [32]byte
}

func deriveKeys(shared []byte) (*packetKeys, error) {
	var kFull [32]byte
	k := &packetKeys{}
	kSize := &k.sizeKey
	blakeDerive(ctxFull, shared, kFull[:])
	blakeDerive(ctxSize, shared, kSize[:])
	blakeDerive(ctxPad, shared, k.pad[:])
	var err error
	if k.full, err = chacha20poly1305.New(kFull[:]); err != nil {
		return nil, err
	}
	if k.size, err = chacha20poly1305.New(kSize[:]); err != nil {
		return nil, err
	}
	return k, nil
}

// padStream returns the OPAD byte stream: the BLAKE3 keyed-hash XOF of the
// empty input under K_pad.
func padStream(key [32]byte) *blake3.Digest {
	h, _ := blake3.NewKeyed(key[:])
	return h.Digest()
}

// nonce is the 96-bit big-endian block counter shared by every block of a
// packet, whichever key seals it.
type nonce [chacha20poly1305.NonceSize]byte

func (n *nonce) inc() {
	for i := len(n) - 1; i >= 0; i-- {
		n[i]++
		if n[i] != 0 {
			return
		}
	}
}

// blocksOverhead is T(x) of the spec: the ciphertext length of x plaintext
// bytes once the SIZE block and the tags are added.
func blocksOverhead(x int64) int64 {
	y := x + SizeBlockLen
	return y + TagSize*((y+BlockSize-1)/BlockSize)
}

// EncryptedSize is the size of a packet whose plaintext (plain header plus
// payload) is plainLen bytes, with pad bytes of padding.
func EncryptedSize(plainLen, pad int64) int64 {
	return EncHeaderSize + blocksOverhead(plainLen) + pad
}

// PadFor is the padding that brings a packet of payloadLen payload bytes,
// wrapped in `wrappers` encryption layers, to minSize bytes once all the
// layers are on.
func PadFor(payloadLen, minSize int64, wrappers int) int64 {
	if wrappers < 1 {
		wrappers = 1
	}
	e := payloadLen
	for range wrappers {
		e = EncHeaderSize + blocksOverhead(PlainHeaderSize+e)
	}
	return max(0, minSize-e)
}

var blakeDerive = deriveKey

// deriveKey is blake3.DeriveKey, which allocates an 8 KiB hasher and
// hashes the context for every key: three times per packet read or
// written, a quarter of what reading a small packet allocated. A hasher
// keyed with each of the packet contexts is kept in a pool instead.
func deriveKey(context string, material, out []byte) {
	p := derivers[context]
	if p == nil || len(out) != 32 {
		blake3.DeriveKey(context, material, out)
		return
	}
	h := p.Get().(*blake3.Hasher)
	h.Reset()                // keeps the context's key
	_, _ = h.Write(material) // a hash: never fails
	h.Sum(out[:0])
	p.Put(h)
}

var derivers = map[string]*sync.Pool{}

func init() {
	for _, c := range []string{ctxFull, ctxSize, ctxPad} {
		derivers[c] = &sync.Pool{New: func() any { return blake3.NewDeriveKey(c) }}
	}
}
