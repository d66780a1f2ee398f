package cfg

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hjson/hjson-go/v4"
)

// hjsonValue parses data into the values encoding/json decodes JSON into
// for an any (map[string]any, []any, float64, string, bool, nil): what
// hjson.Unmarshal(data, &v) gives, without the JSON round trip it makes
// for such a destination (it encodes its parsed tree as JSON and decodes
// that, about a third of a config load at every start: ferry exec runs
// once per message). Parsed into an hjson.Node, the tree takes neither
// that round trip nor guidance from a Go type, and is converted here.
// Numbers come as their text (UseJSONNumber, as hjson parses them when
// it marshals to JSON) and become float64 as encoding/json makes them,
// and strings and keys are made valid UTF-8 as encoding/json makes them,
// so each value is the one the round trip gave (hjsontree_test.go).
func hjsonValue(data []byte) (any, error) {
	opt := hjson.DefaultDecoderOptions()
	opt.UseJSONNumber = true
	opt.WhitespaceAsComments = false // comments are not kept anyway
	var n hjson.Node
	if err := hjson.UnmarshalWithOptions(data, &n, opt); err != nil {
		return nil, err
	}
	return plainValue(n.Value)
}

// plainValue converts one value of an hjson.Node tree.
func plainValue(v any) (any, error) {
	switch v := v.(type) {
	case *hjson.Node:
		if v == nil {
			return nil, nil
		}
		return plainValue(v.Value)
	case *hjson.OrderedMap:
		m := make(map[string]any, len(v.Keys))
		for _, k := range v.Keys {
			e, err := plainValue(v.Map[k])
			if err != nil {
				return nil, err
			}
			m[jsonString(k)] = e // two keys alike once made valid: the later one, as JSON decodes them
		}
		return m, nil
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			var err error
			if a[i], err = plainValue(e); err != nil {
				return nil, err
			}
		}
		return a, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", v, err)
		}
		return f, nil
	case string:
		return jsonString(v), nil
	case bool, nil, float64:
		return v, nil
	}
	return nil, fmt.Errorf("hjson: unexpected %T in the parsed config", v)
}

// jsonString is s as encoding/json encodes it: each byte that is not
// part of valid UTF-8 replaced by U+FFFD.
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
