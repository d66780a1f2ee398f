package cfg

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A key given twice in one object makes one of its values vanish
// without a word: hjson-go keeps the last, and encoding/json, matching
// field names case-insensitively, lets "ExchPub" silently override
// "exchpub". Both are refused, with the field path and both lines.

// shape says how an object of the config is decoded: into a struct, whose
// keys match case-insensitively, or into a map, whose keys are names.
type shape struct {
	fields map[string]field // struct: by folded key; nil for a map
	elem   *shape           // map value or array element
	list   bool             // elem is an array's element
}

type field struct {
	name  string // as the raw structs spell it, for error paths
	shape *shape
}

// configShape follows the raw structs; neigh and areas are decoded one
// entry at a time (for field paths), so their entries get their types here.
var configShape = func() *shape {
	s := shapeOf(reflect.TypeFor[rawConfig]())
	s.fields[foldKey("neigh")].shape.elem = shapeOf(reflect.TypeFor[rawNode]())
	s.fields[foldKey("areas")].shape.elem = shapeOf(reflect.TypeFor[rawArea]())
	return s
}()

func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[json.RawMessage]():
		return &shape{}
	case t.Kind() == reflect.Struct:
		s := &shape{fields: map[string]field{}}
		for i := range t.NumField() {
			if f := t.Field(i); f.Anonymous && f.Tag.Get("json") == "" {
				// An embedded struct's keys are its parent's, as
				// encoding/json decodes them.
				for k, v := range shapeOf(f.Type).fields {
					s.fields[k] = v
				}
				continue
			}
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			s.fields[foldKey(name)] = field{name, shapeOf(t.Field(i).Type)}
		}
		return s
	case t.Kind() == reflect.Map || t.Kind() == reflect.Slice:
		return &shape{elem: shapeOf(t.Elem()), list: t.Kind() == reflect.Slice}
	}
	return nil
}

// checkDuplicates refuses a key that appears twice in one object of t,
// at path with shape sh.
func (t *hjsonTree) checkDuplicates(path string, sh *shape) error {
	if !t.obj {
		for i, kid := range t.kids {
			if kid != nil {
				if err := kid.checkDuplicates(path+"["+strconv.Itoa(i)+"]", sh.elemShape()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	first := map[string]int{} // key as JSON will carry it -> index
	for i, key := range t.keys {
		jkey := jsonKey(key)
		name, kidShape := key, sh.elemShape()
		f, known := sh.field(jkey)
		if known {
			name, kidShape = f.name, f.shape
			jkey = foldKey(jkey) // one struct field, whatever the case
		}
		p := joinPath(path, name)
		if j, dup := first[jkey]; dup {
			switch {
			case t.keys[j] == key:
				return fieldErr(p, "duplicate key at line %d (first at line %d): one of the values would be ignored", t.lines[i], t.lines[j])
			case known:
				return fieldErr(p, "duplicate key: %q at line %d and %q at line %d name the same field (keys match case-insensitively)", t.keys[j], t.lines[j], key, t.lines[i])
			default:
				return fieldErr(p, "duplicate key: %q at line %d and %q at line %d are the same key once invalid UTF-8 is replaced", t.keys[j], t.lines[j], key, t.lines[i])
			}
		}
		first[jkey] = i
		if t.kids[i] != nil {
			if err := t.kids[i].checkDuplicates(p, kidShape); err != nil {
				return err
			}
		}
	}
	return nil
}

// field finds a struct's field as encoding/json would.
func (s *shape) field(key string) (field, bool) {
	if s == nil || s.fields == nil {
		return field{}, false
	}
	f, ok := s.fields[foldKey(key)]
	return f, ok
}

func (s *shape) elemShape() *shape {
	if s == nil {
		return nil
	}
	return s.elem
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonKey is the key as encoding/json writes it: each invalid UTF-8 byte
// becomes U+FFFD, so two keys hjson-go keeps apart may meet there.
func jsonKey(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s { // an invalid byte ranges as one U+FFFD
		b.WriteRune(r)
	}
	return b.String()
}

// foldKey maps each rune to the smallest rune it folds with, so keys that
// encoding/json would match case-insensitively map to the same string.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}
