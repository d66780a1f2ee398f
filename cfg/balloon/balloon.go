// Package balloon implements Balloon hashing (Boneh, Corrigan-Gibbs and
// Schechter, "Balloon Hashing: A Memory-Hard Function Providing Provable
// Protection Against Sequential Attacks", 2016) over BLAKE2b-256, in the
// parallel form NNCP derives its eblob keys with.
//
// One instance (the paper's Algorithm 1) runs three steps over a buffer of
// s blocks of 32 bytes, with a 64-bit counter prefixed to every hash:
//
//	expand:  buf[0] = H(cnt, password, salt); buf[m] = H(cnt, buf[m-1])
//	mix:     t rounds; each block m is rehashed with its predecessor, then
//	         with delta=3 blocks picked by H(cnt, salt, t, m, i) mod s
//	extract: the last block
//
// Key runs p instances, the j-th salted with salt||u64(j), and hashes the
// XOR of their outputs with the password and salt once more. All integers
// are big-endian uint64.
package balloon

import (
	"encoding/binary"
	"hash"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

// Size is the block and output size: BLAKE2b-256.
const Size = blake2b.Size256

// Delta is the number of pseudorandom dependencies per block and round.
const Delta = 3

// Block is one buffer block.
type Block = [Size]byte

// instance is one sequential Balloon computation: its hash, its counter
// and the salt every step uses.
type instance struct {
	h    hash.Hash
	cnt  uint64
	salt []byte
	num  [8]byte
}

func newInstance(salt []byte) *instance {
	h, err := blake2b.New256(nil)
	if err != nil {
		panic(err) // only a key longer than 64 bytes fails, and there is none
	}
	return &instance{h: h, salt: salt}
}

// begin starts a hash with the counter, incrementing it.
func (in *instance) begin() {
	in.h.Reset()
	in.u64(in.cnt)
	in.cnt++
}

func (in *instance) u64(v uint64) {
	binary.BigEndian.PutUint64(in.num[:], v)
	in.h.Write(in.num[:])
}

func (in *instance) sum(dst *Block) { in.h.Sum(dst[:0]) }

// expand fills a buffer of s blocks from the password and the salt.
func (in *instance) expand(passwd []byte, s uint64) []Block {
	buf := make([]Block, s)
	in.begin()
	in.h.Write(passwd)
	in.h.Write(in.salt)
	in.sum(&buf[0])
	for m := uint64(1); m < s; m++ {
		in.begin()
		in.h.Write(buf[m-1][:])
		in.sum(&buf[m])
	}
	return buf
}

// mix runs t rounds over the buffer, in place.
func (in *instance) mix(buf []Block, t uint64) {
	s := uint64(len(buf))
	var idx Block
	for r := uint64(0); r < t; r++ {
		for m := uint64(0); m < s; m++ {
			prev := &buf[(m+s-1)%s]
			in.begin()
			in.h.Write(prev[:])
			in.h.Write(buf[m][:])
			in.sum(&buf[m])
			for i := uint64(0); i < Delta; i++ {
				in.begin()
				in.h.Write(in.salt)
				in.u64(r)
				in.u64(m)
				in.u64(i)
				in.sum(&idx)
				other := &buf[mod(&idx, s)]
				in.begin()
				in.h.Write(buf[m][:])
				in.h.Write(other[:])
				in.sum(&buf[m])
			}
		}
	}
}

// extract is the paper's output: the last block.
func extract(buf []Block) Block { return buf[len(buf)-1] }

// mod reads b as a big-endian 256-bit integer and reduces it modulo s.
func mod(b *Block, s uint64) uint64 {
	var r uint64
	for i := 0; i < Size; i += 8 {
		r = bits.Rem64(r, binary.BigEndian.Uint64(b[i:]), s)
	}
	return r
}

// Single is one sequential Balloon instance with s blocks (s >= 1) and t
// rounds.
func Single(passwd, salt []byte, s, t uint64) Block {
	in := newInstance(salt)
	buf := in.expand(passwd, s)
	in.mix(buf, t)
	return extract(buf)
}
