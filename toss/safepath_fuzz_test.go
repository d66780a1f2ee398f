package toss

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileIncoming builds an incoming directory planted with links that
// lead out of it, into it, nowhere and to a file elsewhere, beside a
// directory and a file of its own.
func hostileIncoming(tb testing.TB) (root string) {
	tb.Helper()
	base := tb.TempDir()
	root = filepath.Join(base, "incoming")
	for _, d := range []string{"incoming/d/e", "outside/sub"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range []string{"incoming/f", "outside/x.txt"} {
		if err := os.WriteFile(filepath.Join(base, f), []byte("x"), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"incoming/up":       "../outside",
		"incoming/in":       "d",
		"incoming/dang":     "../nowhere",
		"incoming/abs":      filepath.Join(base, "outside"),
		"incoming/leaf.txt": "../outside/x.txt",
		"incoming/d/back":   "../..",
		"incoming/d/e/self": ".",
	} {
		if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// insideReal reports whether p, resolved as far as it exists, is root
// or below it.
func insideReal(root, p string) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	existing, rest := p, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = filepath.Dir(existing)
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(realRoot, filepath.Join(real, rest))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// FuzzConfine checks the toss path check against a directory full of
// traps: whatever a received path says, an accepted one names something
// strictly inside incoming, no component of it that exists is a link,
// and resolving it on disk stays inside incoming.
func FuzzConfine(f *testing.F) {
	for _, s := range []string{
		"x.txt", "d/x", "d/e/x", "sub/dir/300k.bin", "up", "up/x", "up/sub/x", "in/x", "dang", "dang/x",
		"abs/x.txt", "leaf.txt", "d/back/outside/x.txt", "d/e/self/x", "../outside/x.txt", "/etc/passwd",
		"a/../../x", "./x", "d/./x", "d//x", "x\x00", "", ".", "d/", "..", "...", "f/x", "d/e/../../up/x",
		"\\..\\x", "d/..", "d/../f",
	} {
		f.Add(s)
	}
	// The destination paths of the NNCP vector packets.
	if b, err := os.ReadFile("../packet/testdata/nncp/manifest.json"); err == nil {
		var m struct {
			Vectors []struct {
				Plain struct {
					Path string `json:"path"`
				} `json:"plain"`
			} `json:"vectors"`
		}
		// Some vectors' paths are not strings: those are not seeds, and
		// the decoding goes on past them.
		_ = json.Unmarshal(b, &m)
		for _, v := range m.Vectors {
			if v.Plain.Path != "" {
				f.Add(v.Plain.Path)
			}
		}
	}
	root := hostileIncoming(f)
	f.Fuzz(func(t *testing.T, rel string) {
		p, err := confine(root, rel)
		if err != nil {
			return
		}
		r, err := filepath.Rel(root, p)
		if err != nil || r == "." || r == ".." || strings.HasPrefix(r, "../") || filepath.IsAbs(r) {
			t.Fatalf("%q accepted as %s: not inside %s", rel, p, root)
		}
		cur := root
		for _, part := range strings.Split(r, string(filepath.Separator)) {
			cur = filepath.Join(cur, part)
			if fi, err := os.Lstat(cur); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				t.Fatalf("%q accepted as %s, which passes the link %s", rel, p, cur)
			}
		}
		if !insideReal(root, p) {
			t.Fatalf("%q accepted as %s, which resolves outside %s", rel, p, root)
		}
	})
}
