package cfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	if bytes.HasPrefix(data, []byte("NNCPB\x00\x00")) {
		return nil, ErrEncrypted
	}
	generic, err := hjsonValue(data)
	if err != nil {
		return nil, syntaxError(data, err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, errors.New("hjson: the config must be an object")
	}
	tree, err := scanHjson(data)
	if err != nil {
		return nil, err
	}
	if err := tree.checkDuplicates("", configShape); err != nil {
		return nil, err
	}
	warnings := tree.unknownKeys("", configShape, nil)
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, err
	}
	var raw rawConfig
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, jsonFieldErr(err, "")
	}
	c, err := build(&raw, opt)
	if err != nil {
		return nil, err
	}
	c.Warnings = warnings
	return c, nil
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
			path += strings.ToLower(te.Field)
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
