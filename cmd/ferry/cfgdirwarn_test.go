package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCfgdirDumpWarnsDroppedKeys: a key the directory layout has no
// place for is one warning line on stderr, as the loader's (line, path,
// hint), and the dump still succeeds; --quiet keeps stderr empty.
func TestCfgdirDumpWarnsDroppedKeys(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(fullCfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "{", "{\n  spooll: /typo\n", 1)
	p := filepath.Join(t.TempDir(), "cfg.hjson")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "d")
	r := ferry(t, nil, "cfgdir", "--cfg", p, "--dump", dir)
	want := "ferry: warning: " + p + ": line 3: spooll: not written: unknown key; did you mean spool?\n"
	if r.code != 0 || string(r.stderr) != want {
		t.Errorf("cfgdir --dump: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "spooll")); !os.IsNotExist(err) {
		t.Errorf("the unknown key was written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "spool")); err != nil {
		t.Errorf("the dump is incomplete: %v", err)
	}
	r = ferry(t, nil, "cfgdir", "--quiet", "--cfg", p, "--dump", filepath.Join(t.TempDir(), "q"))
	if r.code != 0 || len(r.stderr) != 0 {
		t.Errorf("cfgdir --quiet --dump: exit %d, stderr %q", r.code, r.stderr)
	}
}
