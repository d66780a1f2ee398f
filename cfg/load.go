package cfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// ErrEncrypted is returned for configs encrypted with nncp-cfgenc when
// no passphrase can be asked for (Parse, or Load without a callback).
var ErrEncrypted = errors.New("encrypted config (nncp-cfgenc) and no passphrase to open it")

// FieldError names the config field that is wrong.
type FieldError struct {
	Path string // e.g. neigh.bob.exchpub
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

func fieldErr(path, format string, a ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)}
}

// Load reads and validates the config at path: an Hjson file, a
// directory in nncp-cfgdir's layout, or, with a passphrase callback in
// o, a file encrypted by nncp-cfgenc (see source.go).
func Load(path string, o ...LoadOptions) (*Config, error) {
	data, err := ReadSource(path, o...)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data, o...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a config. Hjson syntax errors are
// *SyntaxError; what loads but looks wrong is in the Config's Warnings.
func Parse(data []byte, o ...LoadOptions) (*Config, error) {
	var opt LoadOptions
	if len(o) > 0 {
		opt = o[0]
	}
	c, _, err := parse(data, opt, true)
	return c, err
}

// parse is Parse; with direct, the tree is decoded by decodeRaw where it
// can be, else (and always without direct) through encoding/json, and
// viaJSON tells which was taken.
func parse(data []byte, opt LoadOptions, direct bool) (_ *Config, viaJSON bool, _ error) {
	if bytes.HasPrefix(data, []byte("NNCPB\x00\x00")) {
		return nil, false, ErrEncrypted
	}
	generic, err := hjsonValue(data)
	if err != nil {
		return nil, false, syntaxError(data, err)
	}
	top, ok := generic.(map[string]any)
	if !ok {
		return nil, false, errors.New("hjson: the config must be an object")
	}
	tree, err := scanHjson(data)
	if err != nil {
		return nil, false, err
	}
	if err := tree.checkDuplicates("", configShape); err != nil {
		return nil, false, err
	}
	warnings := tree.unknownKeys("", configShape, nil)
	var raw rawConfig
	var parts rawParts
	if !direct || decodeRaw(top, &raw, &parts) != nil { // errFallback: this config takes the round trip
		raw, parts, viaJSON = rawConfig{}, rawParts{}, true
		if err := roundTrip(top, &raw); err != nil {
			return nil, true, err
		}
	}
	c, err := build(&raw, &parts, opt)
	if err != nil {
		return nil, viaJSON, err
	}
	c.Warnings = warnings
	return c, viaJSON, nil
}

// roundTrip decodes the tree into raw as NNCP does: turned into JSON and
// decoded with encoding/json, so keys match case-insensitively and
// unknown keys are ignored.
func roundTrip(top map[string]any, raw *rawConfig) error {
	js, err := json.Marshal(top)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(js, raw); err != nil {
		return jsonFieldErr(err, "")
	}
	return nil
}

// jsonFieldErr turns encoding/json's type errors into field errors.
func jsonFieldErr(err error, prefix string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := prefix
		if te.Field != "" {
			if path != "" {
				path += "."
			}
			path += userPath(te.Field)
		}
		if path == "" {
			path = "config"
		}
		what := "a " + te.Type.String()
		switch te.Type.Kind().String() {
		case "uint", "uint64", "uint32":
			what = "a non-negative integer"
		case "int":
			what = "an integer"
		}
		return fieldErr(path, "got %s, want %s", te.Value, what)
	}
	return err
}

// userPath is a type error's field path as the user wrote it: encoding/json
// names the Go struct a key is embedded from (rawExecRetry, shared by the
// top level and each neighbour) as if it were a key of its own.
func userPath(field string) string {
	embedded := embeddedNames()
	var keep []string
	for _, seg := range strings.Split(field, ".") {
		if !embedded[seg] {
			keep = append(keep, strings.ToLower(seg))
		}
	}
	return strings.Join(keep, ".")
}

// embeddedNames are the Go names of the structs embedded anywhere in
// rawConfig.
var embeddedNames = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for f := range t.Fields() {
			if f.Anonymous {
				names[f.Name] = true
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[rawConfig]())
	return names
})
