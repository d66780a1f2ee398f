package cfg

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-dtn/ferry/packet"
)

// A neighbour card is a node's public identity as one line of text, to
// paste into a chat or a mail (ferry neigh export / neigh add):
//
//	ferry1:<base32 of record || signature>
//
// The record, all fields in this order:
//
//	id        32  BLAKE2b-256(signpub), as NNCP derives it
//	exchpub   32
//	signpub   32
//	noisepub  32
//	name      1-byte length, then the node's suggested name
//	addrs     1-byte count, then per address: 1-byte length and name,
//	          1-byte length and address
//	text      1-byte length, then one line of UTF-8 free text
//	signature 64  Ed25519 by signpub over cardDomain || record
//
// Base32 is NNCP's (RFC 4648, no padding): no punctuation that mail or
// chat software rewrites (no "--", no "_"), and, upper-cased, it fits a
// QR code's compact alphanumeric mode. The prefix carries the version;
// the signature catches any typo, and the id check catches a config
// whose id NNCP would put on the wire without matching its signpub.

// CardPrefix starts every card of this version.
const CardPrefix = "ferry1:"

// cardDomain keeps a card signature from meaning anything else signed
// with the same key.
const cardDomain = "ferry neighbour card v1\x00"

// CardTextMax bounds the card's free text, so the card stays one line.
const CardTextMax = 120

// Card is a neighbour's public identity.
type Card struct {
	Name     string
	ID       packet.ID
	ExchPub  [32]byte
	SignPub  [32]byte
	NoisePub [32]byte
	Addrs    []CardAddr // in the order given; names unique
	Text     string
}

// CardAddr is one named address of a card (neigh.NAME.addrs).
type CardAddr struct{ Name, Addr string }

// ErrCardSignature is returned for a card whose signature does not
// verify: mistyped, damaged or forged.
var ErrCardSignature = errors.New("card: signature does not verify (mistyped or damaged card)")

// NewCard returns self's card, signed.
func NewCard(self *Self, name string, addrs []CardAddr, text string) (string, error) {
	c := &Card{Name: name, ID: self.ID, ExchPub: self.ExchPub, NoisePub: self.NoisePub, Addrs: addrs, Text: text}
	copy(c.SignPub[:], self.SignPub)
	if packet.NodeID(self.SignPub) != self.ID {
		return "", errors.New("card: self.id is not BLAKE2b-256(self.signpub): fix the config first")
	}
	rec, err := c.record()
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(self.SignPrv, append([]byte(cardDomain), rec...))
	return CardPrefix + packet.B32.EncodeToString(append(rec, sig...)), nil
}

// ValidNodeName reports whether name can be a neigh key written without
// quotes and read back the same by NNCP and by a shell.
func ValidNodeName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("node name %q: want 1 to 64 characters", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("node name %q: use letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

// validCardText: one line of printable UTF-8.
func validCardText(what, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("card: %s is %d bytes, at most %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("card: %s is not UTF-8", what)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("card: %s holds a control character %q", what, r)
		}
	}
	return nil
}

func (c *Card) check() error {
	if err := ValidNodeName(c.Name); err != nil {
		return fmt.Errorf("card: %w", err)
	}
	if len(c.Addrs) > 16 {
		return fmt.Errorf("card: %d addresses, at most 16", len(c.Addrs))
	}
	seen := map[string]bool{}
	for _, a := range c.Addrs {
		if err := ValidNodeName(a.Name); err != nil {
			return fmt.Errorf("card: address %w", err)
		}
		if seen[a.Name] {
			return fmt.Errorf("card: address %q twice", a.Name)
		}
		seen[a.Name] = true
		if a.Addr == "" {
			return fmt.Errorf("card: address %q is empty", a.Name)
		}
		if err := validCardText("address "+a.Name, a.Addr, 255); err != nil {
			return err
		}
	}
	return validCardText("text", c.Text, CardTextMax)
}

func (c *Card) record() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256)
	b = append(b, c.ID[:]...)
	b = append(b, c.ExchPub[:]...)
	b = append(b, c.SignPub[:]...)
	b = append(b, c.NoisePub[:]...)
	b = appendShort(b, c.Name)
	b = append(b, byte(len(c.Addrs)))
	for _, a := range c.Addrs {
		b = appendShort(appendShort(b, a.Name), a.Addr)
	}
	return appendShort(b, c.Text), nil
}

func appendShort(b []byte, s string) []byte { return append(append(b, byte(len(s))), s...) }

// cardReader takes fields off the front of a record.
type cardReader struct {
	b   []byte
	err error
}

func (r *cardReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("card: cut short in %s", what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *cardReader) short(what string) string {
	n := r.take(1, what)
	if n == nil {
		return ""
	}
	return string(r.take(int(n[0]), what))
}

// normalCard is the text of a card as encoded: blanks and line breaks
// a mail may have added are dropped, and the base32 upper-cased (a QR
// reader may hand it back in either case).
func normalCard(s string) (string, error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s) < len(CardPrefix) || !strings.EqualFold(s[:len(CardPrefix)], CardPrefix) {
		if strings.HasPrefix(strings.ToLower(s), "ferry") {
			return "", fmt.Errorf("card: not a %s card (a newer ferry made it?)", strings.TrimSuffix(CardPrefix, ":"))
		}
		return "", errors.New("card: not a ferry card (want " + CardPrefix + "...)")
	}
	return CardPrefix + strings.ToUpper(s[len(CardPrefix):]), nil
}

// ParseCard checks a card's encoding, id and signature.
func ParseCard(s string) (*Card, error) {
	s, err := normalCard(s)
	if err != nil {
		return nil, err
	}
	raw, err := packet.B32.DecodeString(s[len(CardPrefix):])
	if err != nil {
		return nil, fmt.Errorf("card: bad base32 (mistyped or cut card): %w", err)
	}
	if packet.B32.EncodeToString(raw) != s[len(CardPrefix):] {
		return nil, errors.New("card: not in canonical base32 (mistyped card)")
	}
	if len(raw) < ed25519.SignatureSize {
		return nil, errors.New("card: cut short")
	}
	rec, sig := raw[:len(raw)-ed25519.SignatureSize], raw[len(raw)-ed25519.SignatureSize:]
	r := &cardReader{b: rec}
	c := &Card{}
	copy(c.ID[:], r.take(32, "id"))
	copy(c.ExchPub[:], r.take(32, "exchpub"))
	copy(c.SignPub[:], r.take(32, "signpub"))
	copy(c.NoisePub[:], r.take(32, "noisepub"))
	c.Name = r.short("name")
	if n := r.take(1, "addresses"); n != nil {
		for range int(n[0]) {
			c.Addrs = append(c.Addrs, CardAddr{Name: r.short("address name"), Addr: r.short("address")})
		}
	}
	c.Text = r.short("text")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) > 0 {
		return nil, fmt.Errorf("card: %d bytes past the text", len(r.b))
	}
	if packet.NodeID(c.SignPub[:]) != c.ID {
		return nil, errors.New("card: id is not BLAKE2b-256(signpub) (damaged card, or a config NNCP would mis-address)")
	}
	if !ed25519.Verify(ed25519.PublicKey(c.SignPub[:]), append([]byte(cardDomain), rec...), sig) {
		return nil, ErrCardSignature
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if again, _ := c.record(); !bytes.Equal(again, rec) {
		return nil, errors.New("card: record does not re-encode (a ferry bug)")
	}
	return c, nil
}
