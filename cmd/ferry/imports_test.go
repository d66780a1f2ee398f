package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportGroups keeps every file's imports in goimports' groups, one
// block each, in this order: the standard library, other modules, then
// ferry's own packages, separated by blank lines. (goimports -l, which
// make lint runs, fixes mixed groups but accepts a group split in two.)
func TestImportGroups(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "../.." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		last, lastLine := -1, 0
		seen := map[int]bool{}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			class := importClass(path)
			line := fset.Position(im.Pos()).Line
			newGroup := last < 0 || line > lastLine+1
			switch {
			case !newGroup && class != last:
				t.Errorf("%s:%d: %s shares a group with imports of another kind", p, line, path)
			case newGroup && seen[class]:
				t.Errorf("%s:%d: %s starts a second group of its kind", p, line, path)
			case newGroup && class < last:
				t.Errorf("%s:%d: %s: groups go standard library, other modules, ferry", p, line, path)
			}
			seen[class] = true
			last, lastLine = class, line
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// importClass orders imports: 0 the standard library, 1 other modules,
// 2 ferry's own packages.
func importClass(path string) int {
	first, _, _ := strings.Cut(path, "/")
	switch {
	case path == modulePath || strings.HasPrefix(path, modulePath+"/"):
		return 2
	case strings.Contains(first, "."):
		return 1
	}
	return 0
}
