package toss

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// labVia is carol's id, as a receipt's via line names a node.
var labVia = func() packet.ID {
	id, err := packet.ParseID("BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ")
	if err != nil {
		panic(err)
	}
	return id
}()

func TestReceiptBody(t *testing.T) {
	zero, seven := 0, 7
	for _, c := range []struct {
		name string
		in   receiptBody
		want string
	}{
		{"delivered", receiptBody{Delivered: true}, "ferry-receipt/1\ndelivered\n"},
		{"exec", receiptBody{Delivered: true, Status: &zero}, "ferry-receipt/1\ndelivered\nstatus 0\n"},
		{"refused", receiptBody{Reason: `handle "x" is not listed`}, "ferry-receipt/1\nrefused\nreason handle \"x\" is not listed\n"},
		{"status and reason", receiptBody{Status: &seven, Reason: "a\nb"}, "ferry-receipt/1\nrefused\nstatus 7\nreason a b\n"},
		{"reason dropped when delivered", receiptBody{Delivered: true, Reason: "x"}, "ferry-receipt/1\ndelivered\n"},
		{"long reason cut on a rune", receiptBody{Reason: strings.Repeat("é", 300)}, "ferry-receipt/1\nrefused\nreason " + strings.Repeat("é", 200) + "\n"},
		{"via", receiptBody{Delivered: true, Via: labVia}, "ferry-receipt/1\ndelivered\nvia " + labVia.String() + "\n"},
		{"longest", receiptBody{Status: &seven, Reason: strings.Repeat("x", 500), Via: labVia},
			"ferry-receipt/1\nrefused\nstatus 7\nreason " + strings.Repeat("x", reasonMax) + "\nvia " + labVia.String() + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.in.encode()
			if string(got) != c.want {
				t.Fatalf("encode: %q, want %q", got, c.want)
			}
			if len(got) > receiptMax {
				t.Fatalf("%d bytes, more than %d", len(got), receiptMax)
			}
			back, err := parseReceipt(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.encode(), got) {
				t.Fatalf("round trip: %q", back.encode())
			}
		})
	}
}

func TestParseReceiptRejects(t *testing.T) {
	for _, in := range []string{
		"ferry-receipt/1\ndelivered", // no final newline
		"ferry-receipt/2\ndelivered\n",
		"ferry-receipt/1\nmaybe\n",
		"ferry-receipt/1\n",
		"ferry-receipt/1\ndelivered\nstatus 01\n",
		"ferry-receipt/1\ndelivered\nstatus 256\n",
		"ferry-receipt/1\ndelivered\nstatus 1\nstatus 2\n",
		"ferry-receipt/1\ndelivered\nreason why\n",
		"ferry-receipt/1\nrefused\nreason \n",
		"hello\n",
		"ferry-receipt/1\nrefused\nreason " + strings.Repeat("x", receiptMax) + "\n",
		"ferry-receipt/1\ndelivered\nvia carol\n",
		"ferry-receipt/1\ndelivered\nvia " + strings.ToLower(labVia.String()) + "\n",
		"ferry-receipt/1\ndelivered\nvia " + labVia.String() + "\nvia " + labVia.String() + "\n",
	} {
		if b, err := parseReceipt([]byte(in)); err == nil {
			t.Errorf("%q accepted as %+v", in, b)
		}
	}
	if b, err := parseReceipt(nil); err != nil || !b.Delivered {
		t.Errorf("empty body (a plain ACK): %+v, %v; want delivered", b, err)
	}
	if b, err := parseReceipt([]byte("ferry-receipt/1\nrefused\nlater-key x\nreason r\n")); err != nil || b.Reason != "r" {
		t.Errorf("an unknown line is skipped: %+v, %v", b, err)
	}
}

// FuzzParseReceipt: whatever it accepts re-encodes within the bound to a
// canonical form that parses back to itself.
func FuzzParseReceipt(f *testing.F) {
	f.Add([]byte("ferry-receipt/1\ndelivered\nstatus 0\n"))
	f.Add([]byte("ferry-receipt/1\nrefused\nreason no\n"))
	f.Add([]byte(""))
	f.Add([]byte("ferry-receipt/1\ndelivered\nvia BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := parseReceipt(in)
		if err != nil {
			return
		}
		out := b.encode()
		if len(out) > receiptMax {
			t.Fatalf("re-encoded to %d bytes", len(out))
		}
		again, err := parseReceipt(out)
		if err != nil {
			t.Fatalf("re-encoding %q does not parse: %v", out, err)
		}
		if !bytes.Equal(again.encode(), out) {
			t.Fatalf("not canonical: %q then %q", out, again.encode())
		}
	})
}
