package mcd

import (
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

func TestCodec(t *testing.T) {
	id := packet.ID{1, 2, 3}
	b := Encode(id)
	if len(b) != 40 {
		t.Fatal(len(b))
	}
	got, ok := Decode(b)
	if !ok || got != id {
		t.Fatal("round trip")
	}
	if _, ok := Decode(b[:39]); ok {
		t.Error("short accepted")
	}
	b[0] ^= 1
	if _, ok := Decode(b); ok {
		t.Error("bad magic accepted")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(packet.ID{9}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if id, ok := Decode(b); ok && string(Encode(id)) != string(b) {
			t.Fatal("non-canonical announcement accepted")
		}
	})
}
