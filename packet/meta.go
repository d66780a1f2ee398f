package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Meta is the content of a chunked file's `.nncp.meta`: the total size,
// the chunk size and the MTH of every chunk's data.
type Meta struct {
	FileSize  uint64
	ChunkSize uint64
	Checksums []ID
}

// ErrMetaTooOld is returned for the v1 meta format of NNCP 6.6.0 and before.
var ErrMetaTooOld = errors.New("chunked meta v1 is too old")

// MarshalBinary encodes m: magic, two u64, u32 count, 32-byte checksums.
func (m *Meta) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 28+IDLen*len(m.Checksums))
	b = append(b, MagicMeta[:]...)
	b = binary.BigEndian.AppendUint64(b, m.FileSize)
	b = binary.BigEndian.AppendUint64(b, m.ChunkSize)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Checksums)))
	for _, c := range m.Checksums {
		b = append(b, c[:]...)
	}
	return b, nil
}

// ParseMeta decodes a `.nncp.meta` file. Trailing bytes are an error.
func ParseMeta(b []byte) (*Meta, error) {
	if len(b) < 28 {
		return nil, fmt.Errorf("chunked meta: %w", ErrShortHeader)
	}
	if string(b[:8]) == "NNCPM\x00\x00\x01" {
		return nil, ErrMetaTooOld
	}
	if [8]byte(b[:8]) != MagicMeta {
		return nil, fmt.Errorf("chunked meta: %w", ErrBadMagic)
	}
	m := &Meta{
		FileSize:  binary.BigEndian.Uint64(b[8:16]),
		ChunkSize: binary.BigEndian.Uint64(b[16:24]),
	}
	n := binary.BigEndian.Uint32(b[24:28])
	if uint64(len(b)-28) != uint64(n)*IDLen {
		return nil, fmt.Errorf("chunked meta: %d checksums declared, %d bytes follow", n, len(b)-28)
	}
	m.Checksums = make([]ID, n)
	for i := range m.Checksums {
		copy(m.Checksums[i][:], b[28+i*IDLen:])
	}
	return m, nil
}
