package spool

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/ferry-dtn/ferry/packet"
)

// Listings give the packets of one niceness in the order of their
// Base32 names, which is not the order of their raw bytes: the alphabet
// is A..Z (values 0..25) then 2..7 (26..31), and in ASCII the digits sort
// before the letters. A listing keeps the names it read as nameKeys, not
// 52-byte strings (a million of them is 32 MB rather than 68 MB of
// strings), which compare as the names would with four integer
// comparisons: sorting 100,000 ids by decoding their digits at every
// comparison was a fifth of a warm listing.

// nameKey is a packet name as 256 bits that compare as the name does:
// each of the first 51 characters becomes its rank among the alphabet's
// characters in ASCII order, 5 bits each, and the last character (which
// carries one bit of the id and four zero bits, so it is A or Q) the one
// bit. As four big-endian words, integer order is name order.
type nameKey [4]uint64

// nameRank maps a Base32 digit's value to the rank of its character in
// ASCII: 26..31 ('2'..'7') first, then 0..25 ('A'..'Z').
func nameRank(d uint8) uint8 { return (d + 6) & 31 }

// rankOfChar maps a character of the alphabet to its rank (nameRank of
// its value); 0xff marks every other byte.
var rankOfChar = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for v, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" {
		t[c] = nameRank(uint8(v))
	}
	return t
}()

// nameKeyOf parses a packet name (52 characters, canonical: the last is
// A or Q, as in packet.ParseID) straight into its key.
func nameKeyOf[T string | []byte](s T) (nameKey, bool) {
	if len(s) != 52 || (s[51] != 'A' && s[51] != 'Q') {
		return nameKey{}, false
	}
	var b [32]byte
	var acc uint64
	bits, j := 0, 0
	for i := 0; i < 51; i++ {
		r := rankOfChar[s[i]]
		if r == 0xff {
			return nameKey{}, false
		}
		acc = acc<<5 | uint64(r)
		if bits += 5; bits >= 8 {
			bits -= 8
			b[j] = byte(acc >> bits)
			j++
		}
	}
	// 255 bits: 31 bytes and 7 bits in acc; the last name bit is Q's.
	last := uint64(0)
	if s[51] == 'Q' {
		last = 1
	}
	b[31] = byte(acc<<1 | last)
	return keyOfBytes(&b), true
}

func keyOfBytes(b *[32]byte) nameKey {
	return nameKey{binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[16:]), binary.BigEndian.Uint64(b[24:])}
}

// remapDigits maps each of the first 51 five-bit groups of b to
// (g+add)&31 and keeps the last bit: from an id to its key (add 6) and
// back (add 26).
func remapDigits(b *[32]byte, add uint64) (out [32]byte) {
	var in, o uint64
	inBits, oBits, j, w := 0, 0, 0, 0
	for range 51 {
		for inBits < 5 {
			in = in<<8 | uint64(b[j])
			j++
			inBits += 8
		}
		inBits -= 5
		o = o<<5 | (in>>inBits+add)&31
		if oBits += 5; oBits >= 8 {
			oBits -= 8
			out[w] = byte(o >> oBits)
			w++
		}
	}
	out[31] = byte(o<<1 | in&1) // 7 bits left in o, 1 in in
	return out
}

// keyOf is id's nameKey.
func keyOf(id packet.ID) nameKey {
	b := remapDigits((*[32]byte)(&id), 6)
	return keyOfBytes(&b)
}

// id is the packet id whose name k is.
func (k nameKey) id() packet.ID {
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:], k[0])
	binary.BigEndian.PutUint64(b[8:], k[1])
	binary.BigEndian.PutUint64(b[16:], k[2])
	binary.BigEndian.PutUint64(b[24:], k[3])
	return packet.ID(remapDigits(&b, 26))
}

// compareKeys orders keys as their names compare.
func compareKeys(a, b nameKey) int {
	if a[0] != b[0] {
		return cmp.Compare(a[0], b[0])
	}
	if a[1] != b[1] {
		return cmp.Compare(a[1], b[1])
	}
	if a[2] != b[2] {
		return cmp.Compare(a[2], b[2])
	}
	return cmp.Compare(a[3], b[3])
}

// less is compareKeys(a, b) < 0.
func less(a, b nameKey) bool {
	if a[0] != b[0] {
		return a[0] < b[0]
	}
	if a[1] != b[1] {
		return a[1] < b[1]
	}
	if a[2] != b[2] {
		return a[2] < b[2]
	}
	return a[3] < b[3]
}

// compareNames orders ids as their names compare.
func compareNames(a, b packet.ID) int { return compareKeys(keyOf(a), keyOf(b)) }

// sortByName sorts keys in name order.
func sortByName(keys []nameKey) { slices.SortFunc(keys, compareKeys) }

// seekName returns the first i >= from with keys[i] not before k in name
// order (len(keys) if none), keys being in name order. It gallops from
// from: a walk of the index in name order asks for keys close to each
// other, so this costs the log of the distance, not of the whole slice.
func seekName(keys []nameKey, from int, k nameKey) int {
	if from >= len(keys) || !less(keys[from], k) {
		return from
	}
	// keys[lo] is before k; find hi with keys[hi] not before k.
	lo, step := from, 1
	hi := lo + step
	for hi < len(keys) && less(keys[hi], k) {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(keys))
	// Binary search in (lo, hi].
	for lo+1 < hi {
		mid := int(uint(lo+hi) >> 1)
		if less(keys[mid], k) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
