package packet

import (
	"crypto/ed25519"
	"crypto/sha512"
	"sync/atomic"

	"filippo.io/edwards25519"
)

// sign is ed25519.Sign. A process's first signatures are computed
// without the standard library's base-point table (signNoTable): that
// table, 256 precomputed points each needing a field inversion, is built
// on the first ed25519.Sign and costs about 1.8 ms of CPU, more than all
// the rest of sealing a small packet, paid by every `ferry exec` (one
// process per message). Past tableAfter signatures the table has paid
// for itself, and ed25519.Sign takes over.
func sign(priv ed25519.PrivateKey, msg []byte) []byte {
	if signs.Add(1) > tableAfter {
		return ed25519.Sign(priv, msg)
	}
	return signNoTable(priv, msg)
}

// tableAfter is about the table's cost over what a signature costs more
// without it: measured on this project's 2-core EPYC test machine,
// signNoTable takes 0.14 ms and ed25519.Sign with its table built
// 0.12 ms (BenchmarkSign*), the table 1.8 ms.
const tableAfter = 64

var signs atomic.Int64

// signNoTable is RFC 8032's pure Ed25519, the same signature byte for
// byte as ed25519.Sign (TestSignMatchesStdlib), with R = rB computed by
// a constant-time variable-base multiplication of the base point.
func signNoTable(priv ed25519.PrivateKey, msg []byte) []byte {
	if len(priv) != ed25519.PrivateKeySize {
		panic("ed25519: bad private key length") // as ed25519.Sign
	}
	seed, pub := priv[:ed25519.SeedSize], priv[ed25519.SeedSize:]
	h := sha512.Sum512(seed)
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic("ed25519: clamped scalar: " + err.Error()) // 32 bytes: cannot fail
	}
	d := sha512.New()
	d.Write(h[32:])
	d.Write(msg)
	r, err := edwards25519.NewScalar().SetUniformBytes(d.Sum(make([]byte, 0, sha512.Size)))
	if err != nil {
		panic("ed25519: nonce scalar: " + err.Error()) // 64 bytes: cannot fail
	}
	big := new(edwards25519.Point).ScalarMult(r, edwards25519.NewGeneratorPoint()).Bytes()
	d.Reset()
	d.Write(big)
	d.Write(pub)
	d.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(d.Sum(make([]byte, 0, sha512.Size)))
	if err != nil {
		panic("ed25519: challenge scalar: " + err.Error()) // 64 bytes: cannot fail
	}
	sig := make([]byte, 0, ed25519.SignatureSize)
	sig = append(sig, big...)
	return append(sig, edwards25519.NewScalar().MultiplyAdd(k, s, r).Bytes()...)
}
