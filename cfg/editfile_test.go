package cfg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEditFile(t *testing.T) {
	dir := t.TempDir()
	text, err := Generate(GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.hjson")
	link := filepath.Join(dir, "nncp.hjson")
	if err := os.WriteFile(real, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.hjson", link); err != nil {
		t.Fatal(err)
	}
	card := testCard(t, "")
	add := func(b []byte) ([]byte, error) { return AddNeigh(b, "bob", card, NeighEdit{}) }

	// Through the link, into its target, keeping the mode.
	if err := EditFile(link, add, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	fi, _ := os.Stat(real)
	got, _ := os.ReadFile(real)
	if fi.Mode().Perm() != 0o640 || !strings.Contains(string(got), "    bob: {\n") {
		t.Fatalf("mode %v, file:\n%s", fi.Mode(), got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}

	// Refusals leave the file alone.
	for _, tc := range []struct {
		what  string
		edit  func([]byte) ([]byte, error)
		check func(*Config) error
		want  string
	}{
		{"a result that does not load", func(b []byte) ([]byte, error) { return append(b, '{'), nil }, nil, "would not load"},
		{"an edit error", add, nil, "already there"},
		{"a failed check", func(b []byte) ([]byte, error) { return RemoveNeigh(b, "bob") },
			func(*Config) error { return errors.New("no") }, "no"},
		{"a change meanwhile", func(b []byte) ([]byte, error) {
			if err := os.WriteFile(real, append([]byte("# theirs\n"), got...), 0o640); err != nil {
				t.Fatal(err)
			}
			return RemoveNeigh(b, "bob")
		}, nil, "changed while being edited"},
	} {
		before, _ := os.ReadFile(real)
		err := EditFile(link, tc.edit, tc.check)
		after, _ := os.ReadFile(real)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.what, err, tc.want)
		}
		if tc.what != "a change meanwhile" && string(after) != string(before) {
			t.Errorf("%s: file changed", tc.what)
		}
		if tc.what == "a change meanwhile" && !strings.HasPrefix(string(after), "# theirs\n") {
			t.Errorf("%s: the other edit was undone", tc.what)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := EditFile(filepath.Join(dir, "d"), add, nil); !errors.Is(err, ErrConfigDir) {
		t.Errorf("a directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "e"), []byte("NNCPB\x00\x00\x03xxxx"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := EditFile(filepath.Join(dir, "e"), add, nil); !errors.Is(err, ErrEncrypted) {
		t.Errorf("an eblob: %v", err)
	}
}
