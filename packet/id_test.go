package packet_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

func TestParseID(t *testing.T) {
	r := rand.NewChaCha8([32]byte{9})
	for range 1000 {
		var id packet.ID
		if _, err := r.Read(id[:]); err != nil {
			t.Fatal(err)
		}
		got, err := packet.ParseID(id.String())
		if err != nil || got != id {
			t.Fatalf("%s: parsed as %s, %v", id, got, err)
		}
		if got, err := packet.ParseIDBytes([]byte(id.String())); err != nil || got != id {
			t.Fatalf("%s: parsed from bytes as %s, %v", id, got, err)
		}
		// The library decoder agrees on every canonical name.
		var lib packet.ID
		if n, err := packet.B32.Decode(lib[:], []byte(id.String())); err != nil || n != packet.IDLen || lib != id {
			t.Fatalf("%s: library decoder gives %x, %v", id, lib, err)
		}
	}
	good := packet.ID{1, 2, 3}.String()
	for name, s := range map[string]string{
		"empty":         "",
		"short":         good[:51],
		"long":          good + "A",
		"lower case":    strings.ToLower(good),
		"padding":       good[:51] + "=",
		"digit 1":       good[:10] + "1" + good[11:],
		"digit 8":       good[:10] + "8" + good[11:],
		"non-canonical": good[:51] + "B", // a bit past the 256
		"NUL":           good[:20] + "\x00" + good[21:],
	} {
		if id, err := packet.ParseID(s); err == nil {
			t.Errorf("%s: %q accepted as %s", name, s, id)
		}
		if id, err := packet.ParseIDBytes([]byte(s)); err == nil {
			t.Errorf("%s: %q accepted from bytes as %s", name, s, id)
		}
	}
}
