package spool

import (
	"math/bits"
	"slices"

	"github.com/ferry-dtn/ferry/packet"
)

// Listings give the packets of one niceness in the order of their
// Base32 names, which is not the order of their raw bytes: the alphabet
// is A..Z (values 0..25) then 2..7 (26..31), and in ASCII the digits sort
// before the letters. A listing keeps the ids it found as 32-byte ids, not
// 52-byte names (a million of them is 32 MB rather than 68 MB of
// strings), so it compares them as their names would compare, without
// encoding them.

// nameRank maps a Base32 digit's value to the rank of its character in
// ASCII: 26..31 ('2'..'7') first, then 0..25 ('A'..'Z').
func nameRank(d uint8) uint8 { return (d + 6) & 31 }

// digit returns the k-th 5-bit digit of id's Base32 form (the last digit
// holds id's last bit and four zero bits).
func digit(id *packet.ID, k int) uint8 {
	bit := 5 * k
	j := bit / 8
	w := uint16(id[j]) << 8
	if j+1 < len(id) {
		w |= uint16(id[j+1])
	}
	return uint8(w>>(11-bit%8)) & 31
}

// compareNames orders ids as their names compare: the first differing
// bit lies in the first differing digit, and that digit decides.
func compareNames(a, b packet.ID) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			k := (8*i + bits.LeadingZeros8(x)) / 5
			ra, rb := nameRank(digit(&a, k)), nameRank(digit(&b, k))
			if ra < rb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sortByName sorts ids in name order.
func sortByName(ids []packet.ID) { slices.SortFunc(ids, compareNames) }

// seekName returns the first i >= from with ids[i] not before id in name
// order (len(ids) if none), ids being in name order. It gallops from
// from: a walk of the index in name order asks for ids close to each
// other, so this costs the log of the distance, not of the whole slice.
func seekName(ids []packet.ID, from int, id packet.ID) int {
	if from >= len(ids) || compareNames(ids[from], id) >= 0 {
		return from
	}
	// ids[lo] is before id; find hi with ids[hi] not before id.
	lo, step := from, 1
	hi := lo + step
	for hi < len(ids) && compareNames(ids[hi], id) < 0 {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(ids))
	// Binary search in (lo, hi].
	for lo+1 < hi {
		mid := int(uint(lo+hi) >> 1)
		if compareNames(ids[mid], id) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
