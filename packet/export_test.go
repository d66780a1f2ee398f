package packet

import (
	"crypto/ecdh"
	"encoding/hex"
	"io"
)

// DeriveKeysForTest exposes the KDF to the spec vector test.
func DeriveKeysForTest(shared []byte) (full, size, pad, opad string) {
	var kf, ks [32]byte
	k, _ := deriveKeys(shared)
	blakeDerive(ctxFull, shared, kf[:])
	blakeDerive(ctxSize, shared, ks[:])
	o := make([]byte, 16)
	padStream(k.pad).Read(o)
	return hex.EncodeToString(kf[:]), hex.EncodeToString(ks[:]), hex.EncodeToString(k.pad[:]), hex.EncodeToString(o)
}

// ReadSequentially makes r open every block one by one, as a Reader
// that never batches, for tests that compare the two. Call it before the
// first Read.
func ReadSequentially(r *Reader) { r.batch.off = true }

// NewWriterForTest is NewWriter with a fixed ephemeral key, so that one
// packet can be written twice and the bytes compared, and with batched
// sealing turned off when sequential.
func NewWriterForTest(w io.Writer, from *Identity, to Peer, plain PlainHeader, opt WriteOptions, ephPrv [32]byte, sequential bool) (*Writer, error) {
	eph, err := ecdh.X25519().NewPrivateKey(ephPrv[:])
	if err != nil {
		return nil, err
	}
	pw, err := newWriter(w, from, to, plain, opt, eph)
	if err != nil {
		return nil, err
	}
	pw.batch.off = sequential
	return pw, nil
}
