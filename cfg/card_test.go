package cfg

import (
	"crypto/ed25519"
	"reflect"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// testSelf is a fresh identity from Generate, as cfgnew makes one.
func testSelf(t testing.TB) *Self {
	t.Helper()
	text, err := Generate(GenOptions{NoComments: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c.Self
}

func TestCardRoundTrip(t *testing.T) {
	self := testSelf(t)
	for _, tc := range []struct {
		name  string
		addrs []CardAddr
		text  string
	}{
		{"bob", nil, ""},
		{"bob.example-1_x", []CardAddr{{"lan", "127.0.0.1:5400"}, {"ssh", "|ssh bob ferry daemon --inetd"}}, "Bob's laptop, calls at night"},
		{"b", []CardAddr{{"a", strings.Repeat("x", 255)}}, strings.Repeat("é", CardTextMax/2)},
	} {
		card, err := NewCard(self, tc.name, tc.addrs, tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.HasPrefix(card, CardPrefix) || strings.ContainsAny(card, " \n\t") {
			t.Fatalf("%s: card %q is not one ferry1: word", tc.name, card)
		}
		want := &Card{Name: tc.name, ID: self.ID, ExchPub: self.ExchPub, NoisePub: self.NoisePub, Addrs: tc.addrs, Text: tc.text}
		copy(want.SignPub[:], self.SignPub)
		// As pasted: wrapped by a mailer, lower-cased by a QR reader.
		for _, form := range []string{card, "  " + card[:40] + "\n  " + card[40:] + "\r\n", strings.ToLower(card)} {
			got, err := ParseCard(form)
			if err != nil {
				t.Fatalf("%s: parse %q: %v", tc.name, form, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: got %+v, want %+v", tc.name, got, want)
			}
		}
	}
}

func TestCardRefusesBadInput(t *testing.T) {
	self := testSelf(t)
	for _, tc := range []struct {
		what  string
		name  string
		addrs []CardAddr
		text  string
		want  string
	}{
		{"empty name", "", nil, "", "node name"},
		{"name with a blank", "bo b", nil, "", "node name"},
		{"text with a newline", "bob", nil, "a\nb", "control character"},
		{"text too long", "bob", nil, strings.Repeat("x", CardTextMax+1), "at most"},
		{"address twice", "bob", []CardAddr{{"lan", "a:1"}, {"lan", "b:1"}}, "", "twice"},
		{"empty address", "bob", []CardAddr{{"lan", ""}}, "", "empty"},
	} {
		if _, err := NewCard(self, tc.name, tc.addrs, tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.what, err, tc.want)
		}
	}
}

// cardBytes is the decoded record and signature of a valid card.
func cardBytes(t *testing.T, card string) []byte {
	b, err := packet.B32.DecodeString(card[len(CardPrefix):])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeCard(b []byte) string { return CardPrefix + packet.B32.EncodeToString(b) }

// TestCardCorruption flips a byte in every field of a card, and every
// one is caught; so are a re-signed card with a wrong id, cut and padded
// cards, and a signature by another key.
func TestCardCorruption(t *testing.T) {
	self := testSelf(t)
	card, err := NewCard(self, "bob", []CardAddr{{"lan", "127.0.0.1:5400"}}, "hi")
	if err != nil {
		t.Fatal(err)
	}
	good := cardBytes(t, card)
	// Field offsets: id 0, exchpub 32, signpub 64, noisepub 96, name 128
	// (length) 129.. "bob", addr count 132, "lan" 133.., address 137..,
	// text 152.., signature the last 64.
	fields := map[string]int{
		"id": 5, "exchpub": 40, "signpub": 70, "noisepub": 100, "name length": 128, "name": 130,
		"address count": 132, "address name": 134, "address": 140, "text length": 152, "text": 153,
		"signature": len(good) - 10,
	}
	for field, at := range fields {
		b := append([]byte(nil), good...)
		b[at] ^= 0x01
		if _, err := ParseCard(encodeCard(b)); err == nil {
			t.Errorf("%s corrupted: accepted", field)
		}
	}
	other := testSelf(t)
	resign := func(rec []byte, key ed25519.PrivateKey) string {
		return encodeCard(append(append([]byte(nil), rec...), ed25519.Sign(key, append([]byte(cardDomain), rec...))...))
	}
	rec := good[:len(good)-ed25519.SignatureSize]
	wrongID := append([]byte(nil), rec...)
	wrongID[0] ^= 0xff
	for _, tc := range []struct{ what, card, want string }{
		{"signed by another key", resign(rec, other.SignPrv), "signature"},
		{"id not BLAKE2b(signpub), re-signed", resign(wrongID, self.SignPrv), "BLAKE2b-256"},
		{"signed without the domain", encodeCard(append(append([]byte(nil), rec...), ed25519.Sign(self.SignPrv, rec)...)), "signature"},
		{"cut in the keys", encodeCard(good[:70]), "cut short"},
		{"cut in the signature", encodeCard(good[:len(good)-1]), ""},
		{"bytes past the text", resign(append(append([]byte(nil), rec...), 0), self.SignPrv), "past the text"},
		{"no prefix", card[len(CardPrefix):], "not a ferry card"},
		{"newer version", "ferry2:" + card[len(CardPrefix):], "newer ferry"},
		{"not base32", card[:30] + "1" + card[31:], "base32"},
		{"a character dropped", card[:30] + card[31:], ""},
		{"empty", "", "not a ferry card"},
	} {
		_, err := ParseCard(tc.card)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.what, err, tc.want)
		}
	}
	// A typo anywhere in the text, as a person makes it: a changed letter.
	for i := len(CardPrefix); i < len(card); i += 7 {
		c := byte('A')
		if card[i] == 'A' {
			c = 'B'
		}
		if _, err := ParseCard(card[:i] + string(c) + card[i+1:]); err == nil {
			t.Errorf("typo at %d: accepted", i)
		}
	}
}

// FuzzParseCard: no input panics, and a card that is accepted is the one
// its fields encode, byte for byte after normalising case and blanks.
func FuzzParseCard(f *testing.F) {
	self := testSelf(f)
	for _, c := range [][]CardAddr{nil, {{"lan", "127.0.0.1:5400"}}} {
		card, err := NewCard(self, "bob", c, "text")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(card)
		f.Add(card[:len(card)/2])
	}
	f.Add("ferry1:")
	f.Add("FERRY1:AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCard(s)
		if err != nil {
			return
		}
		norm, err := normalCard(s)
		if err != nil {
			t.Fatalf("accepted %q, which does not normalise: %v", s, err)
		}
		rec, err := c.record()
		if err != nil {
			t.Fatalf("accepted card %+v does not encode: %v", c, err)
		}
		b, _ := packet.B32.DecodeString(norm[len(CardPrefix):])
		if got := rec; string(got) != string(b[:len(b)-ed25519.SignatureSize]) {
			t.Fatalf("accepted %q, which re-encodes differently", s)
		}
	})
}
