package cfg

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"incoming", "incoming", 0},
		{"incomming", "incoming", 1}, // one letter too many
		{"incomng", "incoming", 1},   // one too few
		{"incaming", "incoming", 1},  // one wrong
		{"icnoming", "incoming", 1},  // two swapped
		{"autotoss-seen", "autotoss-doseen", 2},
		{"", "via", 3},
		{"ca", "abc", 3}, // a swap is not edited again
		{"exchpüb", "exchpub", 1},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editDistance(c.b, c.a); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}

func TestNearestKey(t *testing.T) {
	node := []string{"id", "exchpub", "signpub", "noisepub", "incoming", "exec", "freq", "via", "addrs", "rxrate", "txrate", "onlinedeadline", "maxonlinetime", "calls"}
	for _, c := range []struct{ key, want string }{
		{"incomming", "incoming"},
		{"INCOMMING", "incoming"},
		{"addr", "addrs"},
		{"onlinedeadlines", "onlinedeadline"},
		{"exchpubkey", "exchpub"}, // three edits, a third of its length
		{"password", ""},
		{"frobnicate", ""},
		{"ix", "id"},
		{"xx", ""}, // a call's key, two edits from anything here
		{"rxrates", "rxrate"},
		{"xrate", "rxrate"}, // tie with txrate: the first in sort order
	} {
		if got := nearestKey(c.key, node); got != c.want {
			t.Errorf("nearestKey(%q) = %q, want %q", c.key, got, c.want)
		}
	}
}

// Every key NNCP 8.8.2 reads is known, so none is warned about: the
// config holding every key (also NNCP's own generated one) draws no
// warning, and every key nncp-cfgdir dumps from it has its place in the
// shape ferry checks keys against.
func TestEveryNNCPKeyIsKnown(t *testing.T) {
	data, err := os.ReadFile("testdata/dir/full.hjson")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings for a config of NNCP keys: %v", c.Warnings)
	}
	for _, tool := range []string{"nncp-cfgnew", "nncp-cfgdir"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install nncp): skipping the check against NNCP", tool)
		}
	}
	gen, err := exec.Command("nncp-cfgnew").Output()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Parse(gen); err != nil || len(c.Warnings) > 0 {
		t.Errorf("nncp-cfgnew's config: %v, warnings %v", err, c.Warnings)
	}
	dir := filepath.Join(t.TempDir(), "dump")
	if out, err := exec.Command("nncp-cfgdir", "-cfg", "testdata/dir/full.hjson", "-dump", dir).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgdir -dump: %v\n%s", err, out)
	}
	n := walkDump(t, dir, "", configShape)
	if n < 60 {
		t.Fatalf("nncp-cfgdir dumped only %d files", n)
	}
}

// walkDump checks each entry of a nncp-cfgdir dump against sh and
// returns how many files it holds.
func walkDump(t *testing.T, dir, path string, sh *shape) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		p, kid := joinPath(path, e.Name()), sh.elemShape()
		switch {
		case sh == nil:
			t.Errorf("%s: inside a value that has no keys", p)
			continue
		case sh.fields != nil:
			f, ok := sh.field(e.Name())
			if !ok {
				t.Errorf("%s: NNCP writes this key, ferry does not know it", p)
				continue
			}
			kid = f.shape
		} // else a name in a map or an index in a list: any will do
		if e.IsDir() {
			n += walkDump(t, filepath.Join(dir, e.Name()), p, kid)
		} else {
			n++
		}
	}
	return n
}
