package cfg

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
)

// decodeRaw fills raw from the parsed tree top with what
// json.Unmarshal(json.Marshal(top), raw) gives, without that round trip
// and without encoding/json's reflection caches, which were 7% of the
// CPU of a small ferry exec (one per message; 0.38 ms of 5.4). The
// neighbours and areas are decoded here too, into parts, instead of
// kept as JSON for build.
//
// It decodes only what it can decode exactly so: a null, a key that
// matches a field only when case is ignored, a value of the wrong type
// or a number that is not a small whole one makes it give up with
// errFallback, and Parse then takes the round trip, whose result and
// errors stand (fastdecode_test.go holds the two to each other).
func decodeRaw(top map[string]any, raw *rawConfig, parts *rawParts) error {
	rest := make(map[string]any, len(top))
	for k, v := range top {
		if k != "neigh" && k != "areas" {
			rest[k] = v
		}
	}
	if err := decodeValue(rest, reflect.ValueOf(raw).Elem()); err != nil {
		return err
	}
	if v, ok := top["neigh"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return errFallback
		}
		raw.Neigh = make(map[string]json.RawMessage, len(m))
		parts.nodes = make(map[string]*rawNode, len(m))
		for name, sub := range m {
			rn := &rawNode{}
			if err := decodeValue(sub, reflect.ValueOf(rn).Elem()); err != nil {
				return err
			}
			raw.Neigh[name], parts.nodes[name] = nil, rn // build takes the names from Neigh
		}
	}
	if v, ok := top["areas"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return errFallback
		}
		raw.Areas = make(map[string]json.RawMessage, len(m))
		parts.areas = make(map[string]*rawArea, len(m))
		for name, sub := range m {
			ra := &rawArea{}
			if err := decodeValue(sub, reflect.ValueOf(ra).Elem()); err != nil {
				return err
			}
			raw.Areas[name], parts.areas[name] = nil, ra
		}
	}
	return nil
}

var errFallback = errors.New("cfg: not decoded without encoding/json (a ferry bug if seen)")

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// decodeValue stores v, a value of the parsed tree, in dst.
func decodeValue(v any, dst reflect.Value) error {
	if v == nil {
		return errFallback // null: encoding/json's rules depend on the target
	}
	t := dst.Type()
	if t == rawMessageType {
		b, err := json.Marshal(v) // the bytes the round trip cut out of the whole config
		if err != nil {
			return errFallback
		}
		dst.SetBytes(b)
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(t.Elem()))
		}
		return decodeValue(v, dst.Elem())
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return errFallback
		}
		fs := fieldsOf(t)
		for _, k := range sortedKeys(m) { // in the order the round trip's JSON had them
			idx, ok := fs[k]
			if !ok {
				for name := range fs {
					if strings.EqualFold(name, k) {
						return errFallback // encoding/json matches it, by its own folding
					}
				}
				continue // unknown: ignored (and warned about, unknownkeys.go)
			}
			if err := decodeValue(m[k], dst.FieldByIndex(idx)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return errFallback
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			e := reflect.New(t.Elem()).Elem()
			if err := decodeValue(m[k], e); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		dst.Set(out)
		return nil
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return errFallback
		}
		out := reflect.MakeSlice(t, len(a), len(a)) // [] is an empty slice, not nil, as encoding/json makes it
		for i, e := range a {
			if err := decodeValue(e, out.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(out)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return errFallback
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return errFallback
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f, ok := wholeNumber(v)
		if !ok || dst.OverflowInt(int64(f)) {
			return errFallback
		}
		dst.SetInt(int64(f))
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f, ok := wholeNumber(v)
		if !ok || math.Signbit(f) || dst.OverflowUint(uint64(f)) {
			return errFallback
		}
		dst.SetUint(uint64(f))
		return nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return errFallback
		}
		dst.Set(reflect.ValueOf(v)) // the tree holds what encoding/json decodes into an any
		return nil
	}
	return errFallback
}

// wholeNumber is v when it is a number whose JSON text encoding/json
// would parse as the same integer: whole, and within 2^53 so that no
// float64 rounding is in question.
func wholeNumber(v any) (float64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return f, true
}

// fieldsOf maps the JSON names of t's fields, those of embedded structs
// included (promoted, as encoding/json does), to their index paths.
var fieldsCache sync.Map // reflect.Type -> map[string][]int

func fieldsOf(t reflect.Type) map[string][]int {
	if m, ok := fieldsCache.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	addFields(m, t, nil)
	fieldsCache.Store(t, m)
	return m
}

func addFields(m map[string][]int, t reflect.Type, prefix []int) {
	var embedded []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			embedded = append(embedded, f)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if opts != "" && opts != "omitempty" {
			panic("cfg: decodeValue does not know json option " + opts) // a raw struct changed: teach it
		}
		if name == "" {
			name = f.Name
		}
		m[name] = append(append([]int(nil), prefix...), i)
	}
	// Fields of the outer struct win over promoted ones, as in
	// encoding/json; the raw structs have no two at one depth.
	for _, f := range embedded {
		sub := map[string][]int{}
		addFields(sub, f.Type, append(append([]int(nil), prefix...), f.Index...))
		for k, idx := range sub {
			if _, dup := m[k]; !dup {
				m[k] = idx
			}
		}
	}
}
