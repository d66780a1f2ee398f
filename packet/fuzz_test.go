package packet_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// vectorSeeds adds every NNCP vector packet to a fuzz corpus.
func vectorSeeds(f *testing.F, add func([]byte)) {
	files, _ := filepath.Glob("testdata/nncp/packets/*/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			add(b)
		}
	}
}

func FuzzParseEncHeader(f *testing.F) {
	vectorSeeds(f, func(b []byte) { f.Add(b[:packet.EncHeaderSize]) })
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := packet.ParseEncHeader(b)
		if err != nil {
			return
		}
		if got := h.Append(nil); !bytes.Equal(got, b[:packet.EncHeaderSize]) {
			t.Fatalf("accepted a non-canonical header %x", b[:packet.EncHeaderSize])
		}
	})
}

func FuzzParsePlainHeader(f *testing.F) {
	plains, _ := filepath.Glob("testdata/nncp/plain/*/*")
	for _, p := range plains {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:packet.PlainHeaderSize])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := packet.ParsePlainHeader(b)
		if err != nil {
			return
		}
		// Re-encoding keeps every field; only the unchecked magic and the
		// pad bytes after the path may differ.
		enc, err := h.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc[8:20+len(h.Path)], b[8:20+len(h.Path)]) {
			t.Fatalf("fields changed on re-encoding")
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	bob := loadKeyring(f, "bob")
	vectorSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := packet.NewReader(bytes.NewReader(b), bob.self, bob.lookup, packet.ReadOptions{AllowUnknown: true})
		if err != nil {
			return
		}
		n, err := io.Copy(io.Discard, r)
		if err == nil && n+packet.PlainHeaderSize > int64(len(b)) {
			t.Fatalf("yielded %d payload bytes from a %d-byte packet", n, len(b))
		}
	})
}

func FuzzParseMeta(f *testing.F) {
	m := &packet.Meta{FileSize: 40000, ChunkSize: 16384, Checksums: []packet.ID{{1}, {2}, {3}}}
	b, _ := m.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := packet.ParseMeta(b)
		if err != nil {
			return
		}
		enc, _ := m.MarshalBinary()
		if !bytes.Equal(enc, b) {
			t.Fatalf("non-canonical meta accepted")
		}
	})
}
