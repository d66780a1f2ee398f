package packet

import "encoding/hex"

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

// SetOpenParallelAfter sets after how many blocks the Reader opens blocks
// in batches (-1: never) and returns a function restoring the old value.
func SetOpenParallelAfter(n int) (restore func()) {
	old := openParallelAfter
	openParallelAfter = n
	return func() { openParallelAfter = old }
}
