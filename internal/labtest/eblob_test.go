package labtest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// TestEBlobVectors: the manifest names eblobs that exist, and a plain
// config.
func TestEBlobVectors(t *testing.T) {
	vecs, plain := labtest.EBlobVectors(t)
	if len(vecs) == 0 {
		t.Fatal("no eblobs in the manifest")
	}
	for _, v := range vecs {
		b, err := os.ReadFile(filepath.Join(labtest.EBlobDir(), v.File))
		if err != nil || !bytes.HasPrefix(b, []byte("NNCPB")) {
			t.Errorf("%s: %d bytes, %v", v.File, len(b), err)
		}
	}
	if b, err := os.ReadFile(plain); err != nil || !bytes.Contains(b, []byte("neigh")) {
		t.Errorf("plain config %s: %v", plain, err)
	}
}
