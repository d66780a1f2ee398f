package balloon

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// The eblobs in ../testdata/eblob were written by the real nncp-cfgenc.
// A key opens an eblob only if every byte of it matches NNCP's, so each
// file is a vector for Key. The eblob layout (salt at 20, blob at 52, AD
// the first 52 bytes plus a zero length) is read here directly, so this
// test stands apart from package cfg.
type vector struct {
	File       string `json:"file"`
	Passphrase string `json:"passphrase"`
	Space      uint64 `json:"space"`
	Time       uint64 `json:"time"`
	Jobs       int    `json:"jobs"`
	Slow       bool   `json:"slow"`
}

const vecDir = "../testdata/eblob"

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vecDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Vectors []vector }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return m.Vectors
}

func TestNNCPVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.File, func(t *testing.T) {
			if v.Slow && testing.Short() {
				t.Skip("default costs take seconds; skipped with -short")
			}
			data, err := os.ReadFile(filepath.Join(vecDir, v.File))
			if err != nil {
				t.Fatal(err)
			}
			if s, tc, j := binary.BigEndian.Uint32(data[8:]), binary.BigEndian.Uint32(data[12:]), binary.BigEndian.Uint32(data[16:]); uint64(s) != v.Space || uint64(tc) != v.Time || int(j) != v.Jobs {
				t.Fatalf("file costs %d/%d/%d disagree with the manifest", s, tc, j)
			}
			salt := data[20:52]
			n := binary.BigEndian.Uint32(data[52:])
			ad := append(append([]byte(nil), data[:52]...), 0, 0, 0, 0)
			key := Key([]byte(v.Passphrase), salt, v.Space, v.Time, v.Jobs)
			aead, err := chacha20poly1305.New(key[:])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := aead.Open(nil, make([]byte, 12), data[56:56+n], ad); err != nil {
				t.Fatalf("key does not open NNCP's eblob: %v", err)
			}
			if v.Slow {
				// A key at the default costs takes seconds; a wrong
				// passphrase is no other path at any cost: the cheap
				// vectors check it.
				return
			}
			wrong := Key([]byte(v.Passphrase+"!"), salt, v.Space, v.Time, v.Jobs)
			aead, _ = chacha20poly1305.New(wrong[:])
			if _, err := aead.Open(nil, make([]byte, 12), data[56:56+n], ad); err == nil {
				t.Fatal("a wrong passphrase opened the eblob")
			}
		})
	}
}

func BenchmarkKeyDefault(b *testing.B) {
	for b.Loop() {
		Key([]byte("passphrase"), make([]byte, 32), 32768, 16, 2)
	}
}
