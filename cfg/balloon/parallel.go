package balloon

import (
	"encoding/binary"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Key is the parallel Balloon key derivation: p instances (p >= 1) of s
// blocks and t rounds run at once, instance j salted with salt||u64(j);
// the key is BLAKE2b-256(password || salt || XOR of their outputs). Memory
// use is p*s*32 bytes; callers bound the costs they accept.
func Key(passwd, salt []byte, s, t uint64, p int) Block {
	outs := make([]Block, p)
	var wg sync.WaitGroup
	for j := range p {
		wg.Go(func() { outs[j] = Single(passwd, jobSalt(salt, j), s, t) })
	}
	wg.Wait()
	var x Block
	for _, o := range outs {
		for i := range x {
			x[i] ^= o[i]
		}
	}
	h, _ := blake2b.New256(nil)
	h.Write(passwd)
	h.Write(salt)
	h.Write(x[:])
	var key Block
	h.Sum(key[:0])
	return key
}

// jobSalt is the salt of instance j: salt || u64be(j).
func jobSalt(salt []byte, j int) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), salt...), uint64(j))
}
