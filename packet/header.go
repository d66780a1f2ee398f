package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Magic numbers: four ASCII letters then three version bytes.
var (
	MagicPlain     = [8]byte{'N', 'N', 'C', 'P', 'P', 0, 0, 3}
	MagicEncrypted = [8]byte{'N', 'N', 'C', 'P', 'E', 0, 0, 6}
	MagicArea      = [8]byte{'N', 'N', 'C', 'P', 'A', 0, 0, 1}
	MagicSP        = [8]byte{'N', 'N', 'C', 'P', 'S', 0, 0, 1}
	MagicMeta      = [8]byte{'N', 'N', 'C', 'P', 'M', 0, 0, 2}
	MagicMCD       = [8]byte{'N', 'N', 'C', 'P', 'D', 0, 0, 1}
)

// Sizes fixed by the format.
const (
	EncHeaderSize   = 172    // encrypted header
	TBSSize         = 108    // signed prefix of the encrypted header
	PlainHeaderSize = 276    // plain header (XDR, path padded to 256)
	MaxPathLen      = 255    // plain path bytes
	BlockSize       = 131072 // plaintext bytes per AEAD block and per MTH leaf
	TagSize         = 16
	SizeBlockLen    = 16 // u64 payload size ‖ u64 pad size
	MinPacketSize   = 480
)

// Type is the plain packet type. The wire values start at 1.
type Type uint8

const (
	TypeFile    Type = 1
	TypeFreq    Type = 2
	TypeExec    Type = 3
	TypeTrns    Type = 4
	TypeExecFat Type = 5
	TypeArea    Type = 6
	TypeACK     Type = 7
)

var typeNames = map[Type]string{
	TypeFile: "file", TypeFreq: "freq", TypeExec: "exec", TypeTrns: "trns",
	TypeExecFat: "exec-fat", TypeArea: "area", TypeACK: "ack",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Errors callers test with errors.Is.
var (
	ErrBadMagic     = errors.New("unknown magic number")
	ErrShortHeader  = errors.New("header truncated")
	ErrXDRRange     = errors.New("xdr: uint8 field above 255")
	ErrPathTooLong  = errors.New("path longer than 255 bytes")
	ErrUnknownType  = errors.New("unknown packet type")
	ErrOldEncrypted = errors.New("encrypted packet format is unsupported")
)

// EncHeader is the 172-byte header of an encrypted packet.
type EncHeader struct {
	Nice      uint8
	Sender    ID
	Recipient ID
	ExchPub   [32]byte
	Sign      [64]byte
}

// Append appends the XDR encoding (172 bytes) of h to b.
func (h *EncHeader) Append(b []byte) []byte {
	b = append(b, MagicEncrypted[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(h.Nice))
	b = append(b, h.Sender[:]...)
	b = append(b, h.Recipient[:]...)
	b = append(b, h.ExchPub[:]...)
	return append(b, h.Sign[:]...)
}

// TBS returns the 108 signed bytes of h: magic, nice, sender, recipient,
// exchpub.
func (h *EncHeader) TBS() []byte {
	full := h.Append(make([]byte, 0, EncHeaderSize))
	return full[:TBSSize]
}

// oldEncrypted names the NNCP release that last wrote each older version.
var oldEncrypted = map[byte]string{1: "0.12", 2: "1.0", 3: "3.4", 4: "6.6.0", 5: "7.7.0"}

// ParseEncHeader decodes the first 172 bytes of b.
func ParseEncHeader(b []byte) (EncHeader, error) {
	var h EncHeader
	if len(b) < EncHeaderSize {
		return h, ErrShortHeader
	}
	if string(b[:5]) == "NNCPE" && b[5] == 0 && b[6] == 0 && b[7] != 6 {
		if till, ok := oldEncrypted[b[7]]; ok {
			return h, fmt.Errorf("NNCPEv%d (encrypted packet v%d) format is unsupported (used till %s): %w",
				b[7], b[7], till, ErrOldEncrypted)
		}
	}
	if [8]byte(b[:8]) != MagicEncrypted {
		return h, ErrBadMagic
	}
	n := binary.BigEndian.Uint32(b[8:12])
	if n > 255 {
		return h, ErrXDRRange
	}
	h.Nice = uint8(n)
	copy(h.Sender[:], b[12:44])
	copy(h.Recipient[:], b[44:76])
	copy(h.ExchPub[:], b[76:108])
	copy(h.Sign[:], b[108:172])
	return h, nil
}

// PlainHeader is the 276-byte header inside encryption.
type PlainHeader struct {
	Type Type
	Nice uint8
	Path []byte // at most 255 bytes
}

// Append appends the 276-byte XDR encoding of h to b.
func (h *PlainHeader) Append(b []byte) ([]byte, error) {
	if len(h.Path) > MaxPathLen {
		return b, ErrPathTooLong
	}
	b = append(b, MagicPlain[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(h.Type))
	b = binary.BigEndian.AppendUint32(b, uint32(h.Nice))
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.Path)))
	b = append(b, h.Path...)
	return append(b, make([]byte, 256-len(h.Path))...), nil
}

// ParsePlainHeader decodes the first 276 bytes of b. Like NNCP's toss it
// does not insist on the plain magic (callers that want that, such as
// `ferry pkt`, check PlainMagicOK); it does reject XDR values above 255.
func ParsePlainHeader(b []byte) (PlainHeader, error) {
	var h PlainHeader
	if len(b) < PlainHeaderSize {
		return h, ErrShortHeader
	}
	t := binary.BigEndian.Uint32(b[8:12])
	n := binary.BigEndian.Uint32(b[12:16])
	l := binary.BigEndian.Uint32(b[16:20])
	if t > 255 || n > 255 || l > 255 {
		return h, ErrXDRRange
	}
	h.Type, h.Nice = Type(t), uint8(n)
	h.Path = append([]byte(nil), b[20:20+l]...)
	return h, nil
}

// PlainMagicOK reports whether b starts with the current plain magic.
func PlainMagicOK(b []byte) bool {
	return len(b) >= 8 && [8]byte(b[:8]) == MagicPlain
}
