package cfg

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ReadDir reads a config directory in nncp-cfgdir's layout (dirschema.go)
// and returns it as JSON text, for Parse.
func ReadDir(dir string) ([]byte, error) {
	top, err := readFields(dir, topFields, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

func dotted(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func readFields(dir string, fields []dirField, path string) (map[string]any, error) {
	obj := make(map[string]any)
	for _, f := range fields {
		key := dotted(path, f.name)
		v, ok, err := readField(filepath.Join(dir, f.name), f, key)
		if err != nil {
			return nil, err
		}
		if !ok {
			if f.must {
				return nil, fieldErr(key, "required, and there is no file %s", filepath.Join(dir, f.name))
			}
			continue
		}
		obj[f.name] = v
	}
	return obj, nil
}

// readField returns the value at p; ok is false when p does not exist.
func readField(p string, f dirField, key string) (v any, ok bool, err error) {
	switch f.kind {
	case dirFlag:
		_, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		return true, err == nil, err
	case dirString, dirInt, dirLines:
		s, ok, err := readValue(p)
		if !ok || err != nil {
			return nil, ok, err
		}
		v, err := parseValue(s, f.kind, key)
		return v, err == nil, err
	}
	names, ok, err := entries(p)
	if !ok || err != nil {
		return nil, ok, err
	}
	switch f.kind {
	case dirObject:
		obj, err := readFields(p, f.fields, key)
		return obj, err == nil, err
	case dirLinesList:
		return readLinesList(p, names, key)
	case dirList:
		var idx []int // NNCP reads only the numbered directories
		for _, n := range names {
			i, err := strconv.Atoi(n)
			if err != nil {
				continue
			}
			if fi, err := os.Stat(filepath.Join(p, n)); err == nil && fi.IsDir() {
				idx = append(idx, i)
			}
		}
		sort.Ints(idx)
		list := make([]any, 0, len(idx))
		for _, i := range idx {
			is := strconv.Itoa(i)
			obj, err := readFields(filepath.Join(p, is), f.fields, dotted(key, is))
			if err != nil {
				return nil, false, err
			}
			list = append(list, obj)
		}
		return list, true, nil
	}
	m := make(map[string]any, len(names))
	for _, n := range names {
		sub := filepath.Join(p, n)
		if f.kind == dirObjects {
			obj, err := readFields(sub, f.fields, dotted(key, n))
			if err != nil {
				return nil, false, err
			}
			m[n] = obj
			continue
		}
		s, _, err := readValue(sub)
		if err != nil {
			return nil, false, err
		}
		if m[n], err = parseValue(s, elemKind(f.kind), dotted(key, n)); err != nil {
			return nil, false, err
		}
	}
	return m, true, nil
}

// elemKind is the kind of each file in a directory of values.
func elemKind(k dirKind) dirKind {
	switch k {
	case dirInts:
		return dirInt
	case dirLineMap:
		return dirLines
	}
	return dirString
}

// readValue reads a value file, less the one newline NNCP ends it with.
func readValue(p string) (string, bool, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSuffix(string(b), "\n"), true, nil
}

func parseValue(s string, kind dirKind, key string) (any, error) {
	switch kind {
	case dirInt:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fieldErr(key, "got %q, want an integer", s)
		}
		return i, nil
	case dirLines:
		return strings.Split(s, "\n"), nil
	}
	return s, nil
}

// entries lists a directory's names, less those starting with a dot.
func entries(p string) ([]string, bool, error) {
	des, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var names []string
	for _, de := range des {
		if !strings.HasPrefix(de.Name(), ".") {
			names = append(names, de.Name())
		}
	}
	return names, true, nil
}

// readLinesList reads a directory of numbered lines files in numeric
// order; an empty file is an empty list (a direct route).
func readLinesList(p string, names []string, key string) (any, bool, error) {
	var idx []int
	for _, n := range names {
		if i, err := strconv.Atoi(n); err == nil && strconv.Itoa(i) == n {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	list := make([]any, 0, len(idx))
	for _, i := range idx {
		s, _, err := readValue(filepath.Join(p, strconv.Itoa(i)))
		if err != nil {
			return nil, false, err
		}
		items := []any{}
		if s != "" {
			for _, l := range strings.Split(s, "\n") {
				items = append(items, l)
			}
		}
		list = append(list, items)
	}
	return list, true, nil
}
