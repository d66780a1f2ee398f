package cfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hjson/hjson-go/v4"
)

// WriteDir writes the config text (Hjson, as Parse takes it) into dir in
// nncp-cfgdir's layout. Like nncp-cfgdir -dump, it writes over what is
// there and removes nothing. Keys outside the layout are not written,
// and a warning says so for each: they are the keys Parse warns about as
// unknown (the layout has a place for every key it knows, which
// TestDirLayoutHasEveryKey holds to), with the same line and hint.
func WriteDir(data []byte, dir string) ([]Warning, error) {
	top, err := decodeGeneric(data)
	if err != nil {
		return nil, err
	}
	tree, err := scanHjson(data)
	if err != nil {
		return nil, err
	}
	dropped := tree.unknownKeys("", configShape, nil)
	for i := range dropped {
		dropped[i].Msg = "not written: " + dropped[i].Msg
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	return dropped, writeFields(dir, topFields, top, "")
}

// decodeGeneric decodes Hjson the way Parse does, keeping numbers exact.
func decodeGeneric(data []byte) (map[string]any, error) {
	if IsEBlob(data) {
		return nil, ErrEncrypted
	}
	var generic any
	if err := hjson.Unmarshal(data, &generic); err != nil {
		return nil, fmt.Errorf("hjson: %w", err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, errors.New("hjson: the config must be an object")
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, err
	}
	return top, nil
}

// lookup finds a key as encoding/json would: exactly, else ignoring case,
// the last match in sorted order winning.
func lookup(obj map[string]any, name string) (any, bool) {
	if v, ok := obj[name]; ok {
		return v, v != nil
	}
	var v any
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if strings.EqualFold(k, name) {
			v = obj[k]
		}
	}
	return v, v != nil
}

func writeFields(dir string, fields []dirField, obj map[string]any, path string) error {
	for _, f := range fields {
		v, ok := lookup(obj, f.name)
		if !ok {
			continue
		}
		if err := writeField(filepath.Join(dir, f.name), f, v, dotted(path, f.name)); err != nil {
			return err
		}
	}
	return nil
}

func writeField(p string, f dirField, v any, key string) error {
	switch f.kind {
	case dirString, dirInt, dirLines:
		s, err := formatValue(v, f.kind, key)
		if err != nil || s == nil {
			return err
		}
		return writeValue(p, *s)
	case dirFlag:
		b, ok := v.(bool)
		if !ok {
			return fieldErr(key, "got %v, want true or false", v)
		}
		if !b {
			return nil
		}
		return touch(p)
	case dirLinesList:
		return writeLinesList(p, v, key)
	case dirList:
		list, ok := v.([]any)
		if !ok {
			return fieldErr(key, "want a list")
		}
		for i, e := range list {
			obj, ok := e.(map[string]any)
			if !ok {
				return fieldErr(dotted(key, strconv.Itoa(i)), "want an object")
			}
			sub := filepath.Join(p, strconv.Itoa(i))
			if err := os.MkdirAll(sub, 0o777); err != nil {
				return err
			}
			if err := writeFields(sub, f.fields, obj, dotted(key, strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fieldErr(key, "want an object")
	}
	if f.kind == dirObject {
		if err := os.MkdirAll(p, 0o777); err != nil {
			return err
		}
		return writeFields(p, f.fields, obj, key)
	}
	if len(obj) == 0 {
		return nil // nncp-cfgdir writes no empty maps either
	}
	if err := os.MkdirAll(p, 0o777); err != nil {
		return err
	}
	for name, e := range obj {
		sub, subKey := filepath.Join(p, name), dotted(key, name)
		if name == "" || name == ".." || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\x00") {
			return fieldErr(subKey, "cannot be written as a file name in a config directory")
		}
		if f.kind == dirObjects {
			m, ok := e.(map[string]any)
			if !ok {
				return fieldErr(subKey, "want an object")
			}
			if err := os.MkdirAll(sub, 0o777); err != nil {
				return err
			}
			if err := writeFields(sub, f.fields, m, subKey); err != nil {
				return err
			}
			continue
		}
		kind := elemKind(f.kind)
		s, err := formatValue(e, kind, subKey)
		if err != nil {
			return err
		}
		if s == nil && kind == dirLines {
			empty := "" // nncp-cfgdir keeps a handle with no argv as an empty line
			s = &empty
		}
		if s != nil {
			if err := writeValue(sub, *s); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeLinesList writes a list of lists of strings as numbered lines
// files; an empty inner list becomes an empty file.
func writeLinesList(p string, v any, key string) error {
	list, ok := v.([]any)
	if !ok {
		return fieldErr(key, "want a list of lists of strings")
	}
	if len(list) == 0 {
		return nil
	}
	if err := os.MkdirAll(p, 0o777); err != nil {
		return err
	}
	for i, e := range list {
		sub := dotted(key, strconv.Itoa(i))
		s, err := formatValue(e, dirLines, sub)
		if err != nil {
			return err
		}
		text := ""
		if s != nil {
			text = *s
		}
		f := filepath.Join(p, strconv.Itoa(i))
		if text == "" {
			err = writeFile(f, nil)
		} else {
			err = writeValue(f, text)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// formatValue renders a value file's text; nil means write nothing.
func formatValue(v any, kind dirKind, key string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case dirInt:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fieldErr(key, "got %v, want an integer", v)
		}
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			return nil, fieldErr(key, "got %s, want an integer", n)
		}
		s := string(n)
		return &s, nil
	case dirLines:
		list, ok := v.([]any)
		if !ok {
			return nil, fieldErr(key, "want a list of strings")
		}
		if len(list) == 0 {
			return nil, nil
		}
		items := make([]string, len(list))
		for i, e := range list {
			if items[i], ok = e.(string); !ok {
				return nil, fieldErr(key, "got %v, want a list of strings", e)
			}
			if strings.Contains(items[i], "\n") {
				return nil, fieldErr(key, "%q holds a newline, which a config directory cannot keep", items[i])
			}
		}
		s := strings.Join(items, "\n")
		return &s, nil
	}
	if n, ok := v.(json.Number); ok {
		// A number where text is kept (ferry-reserve: 67108864): its
		// digits read back as the same value.
		s := string(n)
		return &s, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fieldErr(key, "got %v, want a string", v)
	}
	return &s, nil
}

// writeValue writes a value file as nncp-cfgdir does: the text and a
// newline, 0666 less the umask, private keys ("...prv") 0600.
func writeValue(p, s string) error {
	return writeFile(p, []byte(s+"\n"))
}

// touch writes the empty file of a true flag.
func touch(p string) error { return writeFile(p, nil) }

func writeFile(p string, b []byte) error {
	if !strings.HasSuffix(p, "prv") {
		return os.WriteFile(p, b, 0o666)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return err
	}
	return os.Chmod(p, 0o600) // an older file keeps its mode through WriteFile
}

// FormatHjson re-encodes a config's text (JSON or Hjson) as Hjson, the
// way nncp-cfgdir -load prints it: two-space indents, braces on the key's
// line, strings quoted only where Hjson needs it.
func FormatHjson(data []byte) ([]byte, error) {
	top, err := decodeGeneric(data)
	if err != nil {
		return nil, err
	}
	out, err := hjson.MarshalWithOptions(top, hjson.EncoderOptions{
		Eol: "\n", BracesSameLine: true, IndentBy: "  ",
	})
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
