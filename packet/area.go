package packet

import "golang.org/x/crypto/blake2b"

// MsgHash names an area message: BLAKE2b-256 of its 172-byte encrypted
// header. Every node uses it for the area's seen markers.
func MsgHash(encHeader []byte) ID {
	return ID(blake2b.Sum256(encHeader[:EncHeaderSize]))
}
