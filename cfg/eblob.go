package cfg

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/ferry-dtn/ferry/cfg/balloon"
)

// An eblob is nncp-cfgenc's passphrase-encrypted file, XDR-encoded:
//
//	magic "NNCPB\0\0\3" | space u32 | time u32 | jobs u32 | salt [32] | blob (u32 length, bytes, zero pad to 4)
//
// The key is balloon.Key(passphrase, salt, space, time, jobs); the blob is
// ChaCha20-Poly1305 under that key with an all-zero nonce, and the
// additional data is the same encoding with an empty blob. (NNCP's manual
// describes a BLAKE2Xb step and 128 KiB blocks; its code and files have
// neither, and the files are what we must read.)

// EBlobMagic starts every eblob.
const EBlobMagic = "NNCPB\x00\x00\x03"

// Older eblob versions NNCP refuses too.
var oldEBlobMagics = []string{"NNCPB\x00\x00\x01", "NNCPB\x00\x00\x02"}

const ebHeaderLen = 8 + 3*4 + 32 // up to the blob's length word

// The defaults of nncp-cfgenc: 1 MiB of memory per job.
const (
	DefaultEBlobSpace = 1 << 20 / balloon.Size
	DefaultEBlobTime  = 16
	DefaultEBlobJobs  = 2
)

// Bounds on the costs ferry accepts, so that a damaged or hostile file
// cannot demand unbounded memory.
const (
	MaxEBlobMemory = 1 << 30 // space * jobs * 32 bytes
	MaxEBlobJobs   = 1024
)

var (
	// ErrWrongPassphrase: the blob does not authenticate under the key.
	ErrWrongPassphrase = errors.New("wrong passphrase or damaged file")
	errNotEBlob        = errors.New("not an eblob (bad magic)")
	errOldEBlob        = errors.New("eblob format too old (made by NNCP before 5.0); decrypt it with that NNCP version")
)

// EBlobCost is the balloon hashing cost of an eblob.
type EBlobCost struct {
	Space uint32 // blocks of 32 bytes per job
	Time  uint32 // rounds
	Jobs  uint32 // parallel instances
}

// Check refuses costs NNCP cannot use (space 0 crashes it) or ferry
// will not spend (more than MaxEBlobMemory, more than MaxEBlobJobs).
func (c EBlobCost) Check() error {
	switch {
	case c.Space < 1:
		return errors.New("balloon space cost must be at least 1")
	case c.Jobs < 1:
		return errors.New("balloon parallel jobs must be at least 1")
	case c.Jobs > MaxEBlobJobs:
		return fmt.Errorf("balloon parallel jobs %d above the limit of %d", c.Jobs, MaxEBlobJobs)
	case uint64(c.Space)*uint64(c.Jobs)*balloon.Size > MaxEBlobMemory:
		return fmt.Errorf("balloon costs need %d bytes of memory, above the limit of %d", uint64(c.Space)*uint64(c.Jobs)*balloon.Size, MaxEBlobMemory)
	}
	return nil
}

// EBlob is a parsed eblob.
type EBlob struct {
	EBlobCost
	Salt [32]byte
	Blob []byte // sealed: ciphertext and tag
}

// IsEBlob reports whether data starts like an eblob of any version.
func IsEBlob(data []byte) bool { return bytes.HasPrefix(data, []byte("NNCPB\x00\x00")) }

// ParseEBlob decodes an eblob. It accepts only the canonical encoding:
// zero padding and nothing after it.
func ParseEBlob(data []byte) (*EBlob, error) {
	if len(data) < 8 || !bytes.Equal(data[:8], []byte(EBlobMagic)) {
		for _, m := range oldEBlobMagics {
			if bytes.HasPrefix(data, []byte(m)) {
				return nil, errOldEBlob
			}
		}
		return nil, errNotEBlob
	}
	if len(data) < ebHeaderLen+4 {
		return nil, fmt.Errorf("eblob truncated: %d bytes", len(data))
	}
	e := &EBlob{EBlobCost: EBlobCost{
		Space: binary.BigEndian.Uint32(data[8:]),
		Time:  binary.BigEndian.Uint32(data[12:]),
		Jobs:  binary.BigEndian.Uint32(data[16:]),
	}}
	copy(e.Salt[:], data[20:52])
	n := uint64(binary.BigEndian.Uint32(data[ebHeaderLen:]))
	rest := data[ebHeaderLen+4:]
	padded := (n + 3) &^ 3
	if uint64(len(rest)) < padded {
		return nil, fmt.Errorf("eblob truncated: blob of %d bytes, %d present", n, len(rest))
	}
	if uint64(len(rest)) > padded {
		return nil, fmt.Errorf("eblob has %d bytes of trailing data", uint64(len(rest))-padded)
	}
	for _, b := range rest[n:] {
		if b != 0 {
			return nil, errors.New("eblob padding is not zero")
		}
	}
	e.Blob = rest[:n:n]
	return e, nil
}

// Append appends the XDR encoding of e to dst.
func (e *EBlob) Append(dst []byte) []byte {
	dst = append(dst, EBlobMagic...)
	dst = binary.BigEndian.AppendUint32(dst, e.Space)
	dst = binary.BigEndian.AppendUint32(dst, e.Time)
	dst = binary.BigEndian.AppendUint32(dst, e.Jobs)
	dst = append(dst, e.Salt[:]...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Blob)))
	dst = append(dst, e.Blob...)
	return append(dst, make([]byte, (4-len(e.Blob)%4)%4)...)
}

// ad is the additional data: the encoding with an empty blob.
func (e *EBlob) ad() []byte {
	empty := *e
	empty.Blob = nil
	return empty.Append(nil)
}

func (e *EBlob) key(passphrase []byte) []byte {
	k := balloon.Key(passphrase, e.Salt[:], uint64(e.Space), uint64(e.Time), int(e.Jobs))
	return k[:]
}

// EncryptEBlob seals plain under passphrase. rand nil means crypto/rand.
func EncryptEBlob(plain, passphrase []byte, cost EBlobCost, random io.Reader) ([]byte, error) {
	if err := cost.Check(); err != nil {
		return nil, err
	}
	if uint64(len(plain))+chacha20poly1305.Overhead > 1<<32-1 {
		return nil, errors.New("eblob: plaintext too large")
	}
	if random == nil {
		random = rand.Reader
	}
	e := &EBlob{EBlobCost: cost}
	if _, err := io.ReadFull(random, e.Salt[:]); err != nil {
		return nil, fmt.Errorf("eblob salt: %w", err)
	}
	aead, err := chacha20poly1305.New(e.key(passphrase))
	if err != nil {
		return nil, err
	}
	e.Blob = aead.Seal(nil, make([]byte, aead.NonceSize()), plain, e.ad())
	return e.Append(nil), nil
}

// DecryptEBlob opens an eblob; a wrong passphrase is ErrWrongPassphrase.
func DecryptEBlob(data, passphrase []byte) ([]byte, error) {
	e, err := ParseEBlob(data)
	if err != nil {
		return nil, err
	}
	return e.Open(passphrase)
}

// Open derives the key and opens the blob; a wrong passphrase is
// ErrWrongPassphrase.
func (e *EBlob) Open(passphrase []byte) ([]byte, error) {
	if err := e.Check(); err != nil {
		return nil, fmt.Errorf("eblob: %w", err)
	}
	aead, err := chacha20poly1305.New(e.key(passphrase))
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, make([]byte, aead.NonceSize()), e.Blob, e.ad())
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return plain, nil
}
