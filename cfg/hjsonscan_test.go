package cfg

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hjson/hjson-go/v4"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// sameShape reports whether the scanned tree has the structure hjson-go
// decoded: the same keys in every object (the last value of a repeated
// key is the one kept) and the same elements in every array.
func sameShape(t *hjsonTree, v any) bool {
	switch v := v.(type) {
	case map[string]any:
		if t == nil || !t.obj {
			return false
		}
		// hjson-go keeps each key at its first place with its last
		// value; then JSON, where invalid UTF-8 in keys becomes U+FFFD,
		// keeps the last of the keys that became equal.
		var order []string
		byKey := map[string]*hjsonTree{}
		for i, k := range t.keys {
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = t.kids[i]
		}
		last := map[string]*hjsonTree{}
		for _, k := range order {
			last[jsonKey(k)] = byKey[k]
		}
		if len(last) != len(v) {
			return false
		}
		for k, kid := range last {
			if val, ok := v[k]; !ok || !sameShape(kid, val) {
				return false
			}
		}
		return true
	case []any:
		if t == nil || t.obj || len(t.kids) != len(v) {
			return false
		}
		for i := range v {
			if !sameShape(t.kids[i], v[i]) {
				return false
			}
		}
		return true
	}
	return t == nil
}

func hasExactDuplicate(t *hjsonTree) bool {
	if t == nil {
		return false
	}
	seen := map[string]bool{}
	for _, k := range t.keys {
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	for _, kid := range t.kids {
		if hasExactDuplicate(kid) {
			return true
		}
	}
	return false
}

// The scanner must read exactly what hjson-go reads, on any input.
func FuzzHjsonScan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(labtest.VecDir(), "configs", "*.hjson"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"a: 1, b: 2", "{a: 1, a: 2}", "a: '''\n  x: 1\n  '''\nb: 2", "{\"a\\u0041\": [1, {b: x, c}], 'q': y}",
		"a: true, b: 1e999, c: 01, d: -, e: 1.\nf: [x, y]\n", "a: b # c: d\ne: /* x */ 1 // y",
		"{a: {b: 1, B: 2}, \"\\uD800\": 1}", "a: 1\x00b: 2", "{x: [[],{},\"\"], y: ''}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if err := hjson.Unmarshal(b, &v); err != nil {
			return
		}
		if _, ok := v.(map[string]any); !ok {
			return
		}
		tree, err := scanHjson(b)
		if err != nil {
			t.Fatalf("hjson-go accepts %q, the scan fails: %v", b, err)
		}
		if !sameShape(tree, v) {
			t.Fatalf("scan of %q disagrees with hjson-go", b)
		}
		opt := hjson.DefaultDecoderOptions()
		opt.DisallowDuplicateKeys = true
		// hjson-go refusing a duplicate in a braceless root object falls
		// back to reading the whole text as one bare string.
		var strict any
		dupErr := hjson.UnmarshalWithOptions(b, &strict, opt)
		if _, ok := strict.(map[string]any); dupErr == nil && !ok {
			dupErr = errors.New("not an object once duplicates are refused")
		}
		if (dupErr != nil) != hasExactDuplicate(tree) {
			t.Fatalf("%q: hjson-go says %v, the scan found a duplicate: %v", b, dupErr, hasExactDuplicate(tree))
		}
		var fe *FieldError
		if err := tree.checkDuplicates("", configShape); dupErr != nil && !errors.As(err, &fe) {
			t.Fatalf("%q: duplicate not refused: %v", b, err)
		}
	})
}

func TestConfigShapeFollowsRawStructs(t *testing.T) {
	node := configShape.fields[foldKey("neigh")].shape.elem
	calls, _ := node.field("CALLS")
	if cron, ok := calls.shape.elem.field("Cron"); !ok || cron.name != "cron" {
		t.Fatalf("neigh.*.calls[*].cron not a known field: %+v", calls)
	}
	if exec, _ := node.field("exec"); exec.shape == nil || exec.shape.fields != nil {
		t.Fatal("neigh.*.exec must be a map of names")
	}
	if !reflect.DeepEqual(foldKey("exchPub"), foldKey("EXCHPUB")) || foldKey("k") != foldKey("\u212a") {
		t.Fatal("foldKey does not fold as encoding/json matches")
	}
}
