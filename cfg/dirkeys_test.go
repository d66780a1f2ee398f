package cfg

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDirLayoutHasEveryKey: every key the loader knows (the raw structs)
// has its place in the directory layout, so the keys WriteDir leaves out
// are exactly those the loader warns about as unknown, and a key added to
// the config without a place in the layout fails here, not silently in a
// dump.
func TestDirLayoutHasEveryKey(t *testing.T) {
	// Known to the loader only to be refused with a reason (age.go): a
	// neighbour's ferry-age has no tmp, SPOOL/tmp being shared.
	refused := map[string]bool{"neigh.NAME.ferry-age.tmp": true}
	var walk func(path string, sh *shape, fields []dirField)
	walk = func(path string, sh *shape, fields []dirField) {
		for _, f := range sh.fields {
			p := joinPath(path, f.name)
			var df *dirField
			for i := range fields {
				if fields[i].name == f.name {
					df = &fields[i]
				}
			}
			if df == nil && !refused[p] {
				t.Errorf("%s: a config key with no place in the directory layout (dirschema.go)", p)
			}
			if df == nil {
				continue
			}
			switch df.kind {
			case dirObject:
				walk(p, f.shape, df.fields)
			case dirObjects:
				walk(p+".NAME", f.shape.elem, df.fields)
			case dirList:
				walk(p+"[]", f.shape.elem, df.fields)
			}
		}
	}
	walk("", configShape, topFields)
}

// TestWriteDirWarnsDroppedKeys: each key a dump leaves out is one
// warning with its line and the loader's hint, at every depth; the keys
// the layout knows are written, and nothing else.
func TestWriteDirWarnsDroppedKeys(t *testing.T) {
	data := []byte(`{
  spool: /s
  log: /l
  colour: blue
  neigh: {
    bob: {
      id: A
      exchpub: B
      signpub: C
      incomming: /in
      calls: [{cron: "*", nocheck: true}]
      freq: {path: "/p", max: 3}
    }
  }
}
`)
	dir := filepath.Join(t.TempDir(), "d")
	ws, err := WriteDir(data, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	want := []string{
		"line 4: colour: not written: unknown key",
		"line 10: neigh.bob.incomming: not written: unknown key; did you mean incoming?",
		"line 11: neigh.bob.calls[0].nocheck: not written: unknown key; did you mean nock?",
		"line 12: neigh.bob.freq.max: not written: unknown key",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%q\nwant:\n%q", got, want)
	}
	for _, p := range []string{"colour", "neigh/bob/incomming", "neigh/bob/calls/0/nocheck", "neigh/bob/freq/max"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s: written, or stat: %v", p, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "neigh/bob/freq/path")); err != nil || string(b) != "/p\n" {
		t.Errorf("neigh/bob/freq/path: %q, %v", b, err)
	}
}
