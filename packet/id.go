// Package packet implements NNCP 8.x wire formats: the XDR headers, the
// streaming encrypted packet (NNCPEv6), padding, areas, relay layering and
// the Merkle tree hash (MTH) that names packets. It never touches the disk.
package packet

import (
	"encoding/base32"
	"errors"
	"fmt"
)

// B32 is the encoding NNCP uses for every id, key and packet name:
// RFC 4648 upper-case alphabet, no padding, case-sensitive on decode.
var B32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// IDLen is the size of node ids, area ids, packet ids and message hashes.
const IDLen = 32

// ID is a 32-byte identifier: a node id (BLAKE2b-256 of signpub), an area
// id, a packet id (MTH of the encrypted file) or an area message hash.
type ID [IDLen]byte

// String returns the 52-character base32 form used in spools and logs.
func (id ID) String() string { return B32.EncodeToString(id[:]) }

// IsZero reports whether every byte is zero.
func (id ID) IsZero() bool { return id == ID{} }

// ErrBadB32 is returned when a text id is not 32 bytes of base32.
var ErrBadB32 = errors.New("not 32 bytes of base32")

// ParseID decodes the 52-character base32 form of an id.
// Only the canonical form is accepted (the 4 bits past the id's 256 are
// zero), so a name parses only if it is the id's own String. Decoded by
// hand: listing a queue of 100,000 packets parses every name, and the
// library decoder allocated and copied for each.
func ParseID(s string) (ID, error) { return parseID(s) }

// ParseIDBytes is ParseID of a name held as bytes (an index key, a
// directory entry), without making a string of it.
func ParseIDBytes(b []byte) (ID, error) { return parseID(b) }

func parseID[T string | []byte](s T) (ID, error) {
	var id ID
	if len(s) != 52 {
		return id, ErrBadB32
	}
	var acc uint64
	bits, k := 0, 0
	for i := 0; i < len(s); i++ {
		v := b32Value[s[i]]
		if v == 0xff {
			return ID{}, ErrBadB32
		}
		acc = acc<<5 | uint64(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			id[k] = byte(acc >> bits)
			k++
		}
	}
	if acc&(1<<bits-1) != 0 {
		return ID{}, ErrBadB32
	}
	return id, nil
}

// b32Value maps a character of the base32 alphabet to its value; 0xff
// marks every other byte.
var b32Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" {
		t[c] = byte(i)
	}
	return t
}()

// IsPacketName reports whether name is exactly a 52-character base32
// packet id, the only names the spool treats as packets.
func IsPacketName(name string) bool {
	_, err := ParseID(name)
	return err == nil
}

// DecodeKey decodes base32 text that must yield exactly n bytes.
func DecodeKey(s string, n int) ([]byte, error) {
	b, err := B32.DecodeString(s)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("not %d bytes of base32", n)
	}
	return b, nil
}
