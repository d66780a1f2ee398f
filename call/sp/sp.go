// Package sp encodes the sync protocol's wire units: the envelope that
// frames every Noise message, and the SP packets (INFO, FREQ, FILE, DONE,
// HALT, PING) concatenated inside each decrypted payload.
//
//	envelope = "NNCPS\0\0\1" ‖ u32 len ‖ noise message ‖ pad to 4
//	payload  = SP packet ‖ SP packet ‖ ...   (each: u32 type ‖ XDR body)
package sp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/packet"
)

// Limits from NNCP.
const (
	MaxEnvelope = 131072 // a reader refuses longer envelopes
	MaxPayload  = 65280  // a writer never puts more plaintext in one payload
	MaxFileData = 65232  // data bytes per FILE, leaving room for its header
)

// Type is an SP packet type.
type Type uint32

const (
	TypeInfo Type = 0
	TypeFreq Type = 1
	TypeFile Type = 2
	TypeDone Type = 3
	TypeHalt Type = 4
	TypePing Type = 5
)

// Errors.
var (
	ErrBadMagic  = errors.New("sp: unknown magic number")
	ErrTooLong   = errors.New("sp: envelope too long")
	ErrMalformed = errors.New("sp: malformed payload")
)

// Msg is one SP packet. Which fields matter depends on Type.
type Msg struct {
	Type   Type
	Nice   uint8     // INFO
	Size   uint64    // INFO
	Hash   packet.ID // INFO, FREQ, FILE, DONE
	Offset uint64    // FREQ, FILE
	Data   []byte    // FILE (aliases the payload)
}

// Append encodes m onto b.
func (m *Msg) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(m.Type))
	switch m.Type {
	case TypeInfo:
		b = binary.BigEndian.AppendUint32(b, uint32(m.Nice))
		b = binary.BigEndian.AppendUint64(b, m.Size)
		b = append(b, m.Hash[:]...)
	case TypeFreq:
		b = append(b, m.Hash[:]...)
		b = binary.BigEndian.AppendUint64(b, m.Offset)
	case TypeFile:
		b = append(b, m.Hash[:]...)
		b = binary.BigEndian.AppendUint64(b, m.Offset)
		b = binary.BigEndian.AppendUint32(b, uint32(len(m.Data)))
		b = append(b, m.Data...)
		b = append(b, make([]byte, (4-len(m.Data)%4)%4)...)
	case TypeDone:
		b = append(b, m.Hash[:]...)
	}
	return b
}

// Len is the encoded size of m.
func (m *Msg) Len() int {
	switch m.Type {
	case TypeInfo:
		return 48
	case TypeFreq:
		return 44
	case TypeFile:
		return 48 + len(m.Data) + (4-len(m.Data)%4)%4
	case TypeDone:
		return 36
	}
	return 4
}

// Decode calls fn for each SP packet in payload. Unknown types and short
// bodies are errors, which end the session.
func Decode(payload []byte, fn func(Msg) error) error {
	for len(payload) > 0 {
		if len(payload) < 4 {
			return ErrMalformed
		}
		m := Msg{Type: Type(binary.BigEndian.Uint32(payload))}
		payload = payload[4:]
		need := map[Type]int{TypeInfo: 44, TypeFreq: 40, TypeFile: 44, TypeDone: 32}[m.Type]
		if m.Type > TypePing {
			return fmt.Errorf("%w: unknown type %d", ErrMalformed, m.Type)
		}
		if len(payload) < need {
			return fmt.Errorf("%w: short %d packet", ErrMalformed, m.Type)
		}
		switch m.Type {
		case TypeInfo:
			nice := binary.BigEndian.Uint32(payload)
			if nice > 255 {
				return fmt.Errorf("%w: nice %d", ErrMalformed, nice)
			}
			m.Nice = uint8(nice)
			m.Size = binary.BigEndian.Uint64(payload[4:])
			copy(m.Hash[:], payload[12:44])
		case TypeFreq:
			copy(m.Hash[:], payload[:32])
			m.Offset = binary.BigEndian.Uint64(payload[32:])
		case TypeFile:
			copy(m.Hash[:], payload[:32])
			m.Offset = binary.BigEndian.Uint64(payload[32:])
			n := binary.BigEndian.Uint32(payload[40:])
			padded := uint64(n) + uint64((4-n%4)%4)
			if uint64(len(payload)-44) < padded {
				return fmt.Errorf("%w: FILE data runs past the payload", ErrMalformed)
			}
			m.Data = payload[44 : 44+n]
			need += int(padded)
		case TypeDone:
			copy(m.Hash[:], payload[:32])
		}
		payload = payload[need:]
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// envelopeHeader is the magic and the length before each Noise message.
const envelopeHeader = 12

// WriteEnvelope frames one Noise message.
func WriteEnvelope(w io.Writer, data []byte) error {
	b, _ := AppendEnvelope(make([]byte, 0, envelopeHeader+len(data)+3), func(b []byte) ([]byte, error) {
		return append(b, data...), nil
	})
	_, err := w.Write(b)
	return err
}

// AppendEnvelope appends one envelope to b; seal appends the Noise
// message to the slice it is given, so a message can be encrypted
// straight into the envelope without a copy. On error b is returned as
// it was.
func AppendEnvelope(b []byte, seal func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(b)
	b = append(b, packet.MagicSP[:]...)
	b = append(b, 0, 0, 0, 0)
	b, err := seal(b)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start - envelopeHeader
	binary.BigEndian.PutUint32(b[start+8:start+envelopeHeader], uint32(n))
	return append(b, make([]byte, (4-n%4)%4)...), nil
}

// OnlyPings says whether payload holds PINGs and nothing else: it does
// not count as activity, and pacing does not hold it back.
func OnlyPings(payload []byte) bool {
	pings := 0
	err := Decode(payload, func(m Msg) error {
		if m.Type != TypePing {
			return errNotPing
		}
		pings++
		return nil
	})
	return err == nil && pings > 0
}

var errNotPing = errors.New("not a PING")

// ReadEnvelope reads one framed Noise message into buf (grown as needed).
func ReadEnvelope(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [envelopeHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if [8]byte(hdr[:8]) != packet.MagicSP {
		return nil, ErrBadMagic
	}
	n := binary.BigEndian.Uint32(hdr[8:])
	if n > MaxEnvelope {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLong, n)
	}
	total := int(n) + int((4-n%4)%4)
	if cap(buf) < total {
		buf = make([]byte, total)
	}
	buf = buf[:total]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf[:n], nil
}

// HaltPadding is how many HALTs NNCP appends to a handshake payload that
// carries l bytes of INFOs; receivers accept any number.
func HaltPadding(l int) int {
	free := (MaxPayload - l) / 4
	return (free + 1) / 2
}
