package labtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// EBlobDir is cfg/testdata/eblob, the encrypted configs the real
// nncp-cfgenc wrote (its manifest.json says how), found from this file
// so that cfg's tests and the commands' tests read the one copy.
func EBlobDir() string {
	return filepath.Join(moduleRoot(), "cfg", "testdata", "eblob")
}

// EBlobVector is one eblob of the manifest: its file, the passphrase and
// the balloon costs it was made with, and whether opening it is slow.
type EBlobVector struct {
	File       string `json:"file"`
	Passphrase string `json:"passphrase"`
	Space      uint32 `json:"space"`
	Time       uint32 `json:"time"`
	Jobs       uint32 `json:"jobs"`
	Slow       bool   `json:"slow"`
}

// EBlobVectors reads the manifest: the eblobs and the path of the plain
// config every one of them holds.
func EBlobVectors(t testing.TB) ([]EBlobVector, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(EBlobDir(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Plain   string
		Vectors []EBlobVector
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Vectors, filepath.Join(EBlobDir(), m.Plain)
}
