package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Only package spool knows the spool's file layout. Its path methods are
// unexported, so the compiler refuses a call from outside; this test
// refuses the rest, in every other package of the module (spool/media
// and spool/fsio included):
//   - a call of a ferry/spool function or method returning a string,
//     unless listed in spoolPathsAllowed: a named operation handing out
//     one path for a log line, an error or another process;
//   - a path built or changed from what spool hands out: a spool call or
//     a field of a spool type as an operand of filepath.Join and its
//     kin, of os.Rename, os.Remove and the like, or of a `+`.
//
// Tests are not checked: some plant files where NNCP's layout puts them,
// as another tool would, and say so.
var spoolPathsAllowed = map[string]string{
	"(*github.com/ferry-dtn/ferry/spool.Spool).SetAside":      "the new place, for the log line",
	"(*github.com/ferry-dtn/ferry/spool.Part).Path":           "the .part in write errors",
	"(*github.com/ferry-dtn/ferry/spool.ExecMarker).Path":     "the claiming shell creates it",
	"(*github.com/ferry-dtn/ferry/spool.ExecMarker).Template": "the claimer process links the claim to it",
	"(*github.com/ferry-dtn/ferry/spool.Spool).NodePath":      "doctor's advice names the queue directory no neighbour owns",
}

// pathFuncs build, or act on, a path given as an argument.
var pathFuncs = map[string]bool{
	"path/filepath.Join": true, "path/filepath.Dir": true, "path/filepath.Clean": true,
	"path/filepath.Rel": true, "path/filepath.Glob": true, "path.Join": true, "path.Dir": true,
	"os.Rename": true, "os.Remove": true, "os.RemoveAll": true, "os.Create": true, "os.OpenFile": true,
	"os.Mkdir": true, "os.MkdirAll": true, "os.WriteFile": true, "os.Link": true, "os.Symlink": true,
	"os.CreateTemp": true, "os.MkdirTemp": true, "os.Truncate": true, "os.Chmod": true,
}

func TestSpoolPathsStayInSpool(t *testing.T) {
	t.Parallel()
	pkgs, lookup := listModule(t)
	checked := 0
	for _, p := range pkgs {
		if p.ImportPath == "github.com/ferry-dtn/ferry/spool" || len(p.GoFiles) == 0 {
			continue
		}
		var files []string
		for _, f := range p.GoFiles {
			files = append(files, filepath.Join(p.Dir, f))
		}
		for _, v := range spoolPathViolations(t, p.ImportPath, files, nil, lookup, spoolPathsAllowed) {
			t.Error(v)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked: the listing went wrong", checked)
	}
}

// TestSpoolPathsCheckFindsJoins: the check refuses each way back to a
// joined spool path, and lets named operations be.
func TestSpoolPathsCheckFindsJoins(t *testing.T) {
	t.Parallel()
	_, lookup := listModule(t)
	for _, c := range []struct {
		name, body string
		allowed    map[string]string
		want       int
	}{
		{"named operations", `p, _ := s.OpenPart(n, n); use(p.Path()); moved, _ := s.SetAside(n, spool.RX, n); use(moved)`, spoolPathsAllowed, 0},
		{"join on a path handed out", `p, _ := s.OpenPart(n, n); use(filepath.Join(p.Path(), "..", "x.nock"))`, spoolPathsAllowed, 1},
		{"join on its directory", `p, _ := s.OpenPart(n, n); use(filepath.Join(filepath.Dir(p.Path()), "x.nock"))`, spoolPathsAllowed, 2},
		{"concatenation", `p, _ := s.OpenPart(n, n); use(p.Path() + ".nock")`, spoolPathsAllowed, 1},
		{"rename of a path handed out", `m := s.ExecMarker(n, n); os.Rename(m.Path(), "elsewhere")`, spoolPathsAllowed, 1},
		{"join on a field", `_, bad, _ := s.Jobs(n, spool.RX); use(filepath.Join(bad[0].Path, ".."))`, spoolPathsAllowed, 1},
		{"a path method not allowed", `moved, _ := s.SetAside(n, spool.RX, n); use(moved)`, nil, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "package fixture\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n\n\t\"github.com/ferry-dtn/ferry/packet\"\n\t\"github.com/ferry-dtn/ferry/spool\"\n)\n\n" +
				"var _ = os.Rename\nvar _ = filepath.Join\n\nfunc use(string) {}\n\nfunc f(s *spool.Spool, n packet.ID) {\n\t" + c.body + "\n}\n"
			got := spoolPathViolations(t, "fixture", nil, map[string]string{"fixture.go": src}, lookup, c.allowed)
			if len(got) != c.want {
				t.Errorf("%d violations, want %d: %q", len(got), c.want, got)
			}
		})
	}
}

type listedPkg struct {
	ImportPath, Dir, Export string
	GoFiles                 []string
}

// listModule lists the module's packages and the export data of every
// package they import, built by the go command. The two tests here share
// one listing: each `go list -export` of the module costs seconds.
func listModule(t *testing.T) ([]listedPkg, func(string) (io.ReadCloser, error)) {
	t.Helper()
	listing.once.Do(func() { listing.mine, listing.exports, listing.err = goListModule() })
	if listing.err != nil {
		t.Fatal(listing.err)
	}
	exports := listing.exports
	return listing.mine, func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(exports[path])
	}
}

var listing struct {
	once    sync.Once
	mine    []listedPkg
	exports map[string]string
	err     error
}

func goListModule() ([]listedPkg, map[string]string, error) {
	out, err := exec.Command("go", "list", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles", "github.com/ferry-dtn/ferry/...").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list: %v", err)
	}
	exports := map[string]string{}
	var mine []listedPkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPkg
		if err := dec.Decode(&p); err != nil {
			return nil, nil, err
		}
		exports[p.ImportPath] = p.Export
		if p.ImportPath == modulePath || strings.HasPrefix(p.ImportPath, "github.com/ferry-dtn/ferry/") {
			mine = append(mine, p)
		}
	}
	return mine, exports, nil
}

// spoolPathViolations type-checks one package, from files on disk or
// from sources given by name, and lists what it does with spool paths
// that only package spool may do.
func spoolPathViolations(t *testing.T, pkgPath string, paths []string, srcs map[string]string,
	lookup func(string) (io.ReadCloser, error), allowed map[string]string) []string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for name, src := range srcs {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	im := importer.ForCompiler(fset, "gc", lookup)
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := (&types.Config{Importer: im}).Check(pkgPath, fset, files, info); err != nil {
		t.Fatalf("type-check %s: %v", pkgPath, err)
	}
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				fn := calledFunc(info, n)
				if fn == nil {
					return true
				}
				if isSpool(fn) && returnsString(fn) {
					if _, ok := allowed[fn.FullName()]; !ok && fn.Name() != "String" && fn.Name() != "Error" {
						report(n, "%s returns a string from spool: a path that must stay in spool (or list it in spoolPathsAllowed)", fn.FullName())
					}
				}
				if fn.Pkg() != nil && pathFuncs[fn.Pkg().Path()+"."+fn.Name()] {
					for _, a := range n.Args {
						if from := spoolValue(info, a); from != "" {
							report(n, "%s.%s on %s: a spool path built outside spool; add a named spool operation", fn.Pkg().Name(), fn.Name(), from)
						}
					}
				}
			case *ast.BinaryExpr:
				if n.Op != token.ADD {
					return true
				}
				for _, a := range []ast.Expr{n.X, n.Y} {
					if from := spoolValue(info, a); from != "" {
						report(n, "+ on %s: a spool path built outside spool; add a named spool operation", from)
					}
				}
			}
			return true
		})
	}
	return out
}

// calledFunc is the function or method a call names, if any.
func calledFunc(info *types.Info, c *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fun := ast.Unparen(c.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

func isSpool(obj types.Object) bool {
	return obj.Pkg() != nil && obj.Pkg().Path() == "github.com/ferry-dtn/ferry/spool"
}

func returnsString(fn *types.Func) bool {
	res := fn.Type().(*types.Signature).Results()
	for i := range res.Len() {
		if b, ok := res.At(i).Type().(*types.Basic); ok && b.Kind() == types.String {
			return true
		}
	}
	return false
}

// spoolValue names the spool call or spool field of string type that e
// is made of, if any ("" if none).
func spoolValue(info *types.Info, e ast.Expr) string {
	found := ""
	ast.Inspect(e, func(n ast.Node) bool {
		if found != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn := calledFunc(info, n); fn != nil && isSpool(fn) && returnsString(fn) {
				found = fn.FullName()
			}
		case *ast.SelectorExpr:
			if sel := info.Selections[n]; sel != nil && sel.Kind() == types.FieldVal && isSpool(sel.Obj()) {
				if b, ok := sel.Obj().Type().(*types.Basic); ok && b.Kind() == types.String {
					found = "field " + sel.Obj().Name()
				}
			}
		}
		return true
	})
	return found
}
