package cfg

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hjson/hjson-go/v4"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// hjsonTreeSeeds: every config in the tree, and the corners of Hjson
// values (quoteless strings that look like numbers or keywords,
// multiline strings, escapes, numbers past float64, comments, nesting).
func hjsonTreeSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, glob := range []string{
		filepath.Join(labtest.VecDir(), "configs", "*.hjson"),
		filepath.Join("..", "contrib", "examples", "*.hjson"),
		filepath.Join("testdata", "*", "*.hjson"),
	} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	for _, s := range []string{
		"a: 1, b: 2", "{a: 1, a: 2}", "a: '''\n  x: 1\n  '''\nb: 2", "{\"a\\u0041\": [1, {b: x, c}], 'q': y}",
		"a: true, b: 1e999, c: 01, d: -, e: 1.\nf: [x, y]\n", "a: b # c: d\ne: /* x */ 1 // y",
		"{a: {b: 1, B: 2}, \"\\uD800\": 1}", "a: 1\x00b: 2", "{x: [[],{},\"\"], y: ''}",
		"a: 12345678901234567890, b: -0, c: 1e-400, d: 0.1, e: 1E+2, f: null, g: false x, h: true",
		"a: 1 # one\nb: [\n 1\n 2.5\n x y\n]\nc: \"\\xff\"\nd: '\xff\xfe'\n", "[1, 2]", "x", "", "{}",
		"keys: [a], map: {b: 1}, Keys: 2",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// checkHjsonValue compares hjsonValue with what hjson.Unmarshal gives an
// any: the same value, or both an error.
func checkHjsonValue(t *testing.T, b []byte) {
	t.Helper()
	var want any
	werr := hjson.Unmarshal(b, &want)
	got, gerr := hjsonValue(b)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%q: hjson.Unmarshal error %v, hjsonValue error %v", b, werr, gerr)
	}
	if werr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nhjsonValue     %#v\nhjson.Unmarshal %#v", b, got, want)
	}
}

func TestHjsonValueIsUnmarshals(t *testing.T) {
	for _, b := range hjsonTreeSeeds(t) {
		checkHjsonValue(t, b)
	}
}

func FuzzHjsonValue(f *testing.F) {
	for _, b := range hjsonTreeSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(checkHjsonValue)
}
