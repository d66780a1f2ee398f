package labtest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// TestNewLab: the configs New writes name the lab's own directory and no
// @LAB@ is left; the handler is executable.
func TestNewLab(t *testing.T) {
	dir := labtest.New(t)
	for _, n := range labtest.Nodes {
		b, err := os.ReadFile(labtest.CfgPath(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("@LAB@")) || !bytes.Contains(b, []byte(filepath.Join(dir, n))) {
			t.Errorf("%s: config does not name its paths under %s", n, dir)
		}
		if !bytes.Contains(b, []byte(labtest.IDs[n])) {
			t.Errorf("%s: config lacks the id %s", n, labtest.IDs[n])
		}
		if fi, err := os.Stat(filepath.Join(dir, n, "spool")); err != nil || !fi.IsDir() {
			t.Errorf("%s: no spool directory: %v", n, err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "handler.sh"))
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("handler.sh not executable: %v", err)
	}
}

func TestMTHInput(t *testing.T) {
	b := labtest.MTHInput(600)
	if len(b) != 600 || b[250] != 250 || b[251] != 0 || b[599] != byte(599%251) {
		t.Errorf("MTHInput(600) = %v...", b[248:254])
	}
}
