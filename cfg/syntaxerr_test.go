package cfg

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/hjson/hjson-go/v4"
)

// A broken file is reported at the line and column (in characters, from
// 1) an editor shows, with hjson-go's reason and none of the file's text.
func TestSyntaxErrorsSayWhere(t *testing.T) {
	const secret = "3ARCPAE4XJSLVLIOAB2JF6QLKLAJ344VPZZKVO5VAGYD4GX7K3IQ"
	for _, c := range []struct {
		name, text   string
		line, column int
		msg          string
	}{
		{"colon for a value", "{\n  spool: /x\n  log: : x\n}", 3, 8,
			"found a punctuator character ':' when expecting a quoteless string (check your syntax)"},
		{"on the first line", "{a: 1} x", 1, 8, "syntax error, found trailing characters"},
		{"first character", "}", 1, 1, "found '}' where a key name was expected (check your syntax or use quotes if the key name includes {}[],: or whitespace)"},
		{"trailing brace", "{\n  a: 1\n}\n}", 4, 1, "syntax error, found trailing characters"},
		{"blank in a key", "{\n  a b: 1\n}", 2, 4, "found whitespace in your key name (use quotes to include)"},
		{"key without name", "{\n\tneigh: {\n\t\tbob: {\n\t\t\t:\n\t\t}\n\t}\n}\n", 4, 4,
			"found ':' but no key name (for an empty key name use quotes)"},
		{"string runs into the newline", "{\n  a: \"open\n}", 2, 11, "bad string containing newline"},
		{"columns count characters", "{\n  täst: \"\\q\"\n}", 2, 11, "bad escape \\q"},
		{"unclosed array", "{\n  a: [1, 2\n", 3, 1, "end of input while parsing an array (did you forget a closing ']'?)"},
		{"unclosed object", "{ a: {b: 1 }", 1, 13, "end of input while parsing an object (did you forget a closing '}'?)"},
		{"unclosed multiline string", "a: 1\nb: '''x", 2, 8, "bad multiline string"},
		{"leading newline", "\n{\n:\n}", 3, 1, "found ':' but no key name (for an empty key name use quotes)"},
		{"no private key in the message", "{\n  self: {\n    " + secret + " exchprv: 1\n  }\n}", 3, 57,
			"found whitespace in your key name (use quotes to include)"},
	} {
		_, err := Parse([]byte(c.text))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v is not a SyntaxError", c.name, err)
			continue
		}
		if se.Line != c.line || se.Column != c.column || se.Msg != c.msg {
			t.Errorf("%s: got line %d, column %d: %s\nwant line %d, column %d: %s", c.name, se.Line, se.Column, se.Msg, c.line, c.column, c.msg)
		}
		var v any
		if herr := hjson.Unmarshal([]byte(c.text), &v); strings.Contains(c.text, secret) && !strings.Contains(herr.Error(), secret[:10]) {
			t.Errorf("%s: hjson-go's own error no longer quotes the line, the case tests nothing: %v", c.name, herr)
		}
		if s := err.Error(); strings.Contains(s, ">>>") || strings.Contains(s, secret[:10]) {
			t.Errorf("%s: the file's text is in the error: %s", c.name, s)
		}
	}
}

// hjsonPlace is the place hjson-go gives the byte at k: our reading of
// its errAt, kept apart from hjsonOffset, which undoes it.
func hjsonPlace(data []byte, k int) (line, col int) {
	i := k
	for ; i > 0 && data[i] != '\n'; i-- {
		col++
	}
	if i > 0 {
		line = bytes.Count(data[1:i+1], []byte("\n"))
	}
	return line + 1, col
}

func TestHjsonOffsetUndoesHjsonPlace(t *testing.T) {
	for _, data := range []string{"a", "{\n  a: 1\n}", "\n\nx\n", "\n", "ä\nöü\n\n", "{a:1}\r\nb"} {
		for k := range len(data) {
			line, col := hjsonPlace([]byte(data), k)
			if got, ok := hjsonOffset([]byte(data), line, col); !ok || got != k {
				t.Errorf("%q: byte %d is line %d,%d to hjson-go; read back as %d, %v", data, k, line, col, got, ok)
			}
		}
		if _, ok := hjsonOffset([]byte(data), 99, 0); ok {
			t.Errorf("%q: line 99 accepted", data)
		}
	}
}

// FuzzSyntaxError: whatever hjson-go refuses becomes a SyntaxError at a
// place inside the text (or just past its end), without the text, and
// where hjson-go gave a place, the byte found is the one it meant.
func FuzzSyntaxError(f *testing.F) {
	for _, s := range []string{"{\n  log: : x\n}", "{a:1} x", "{\n  a: [1, 2\n", "{\n  täst: \"\\q\"\n}", "\n{\n:\n}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		herr := hjson.Unmarshal(data, &v)
		if herr == nil {
			return
		}
		var se *SyntaxError
		if err := syntaxError(data, herr); !errors.As(err, &se) {
			t.Fatalf("%q: %v is not a SyntaxError", data, err)
		}
		if lines := 1 + bytes.Count(data, []byte("\n")); se.Line < 1 || se.Line > lines || se.Column < 1 {
			t.Fatalf("%q: line %d, column %d is outside the text", data, se.Line, se.Column)
		}
		if strings.Contains(se.Msg, " >>> ") {
			t.Fatalf("%q: the excerpt is left in %q", data, se.Msg)
		}
		if m := hjsonErrAt().FindStringSubmatch(herr.Error()); m != nil {
			line, _ := strconv.Atoi(m[2])
			col, _ := strconv.Atoi(m[3])
			k, ok := hjsonOffset(data, line, col)
			if !ok {
				t.Fatalf("%q: hjson-go's place %d,%d is not found", data, line, col)
			}
			if l, c := hjsonPlace(data, k); l != line || c != col {
				t.Fatalf("%q: byte %d is %d,%d, hjson-go said %d,%d", data, k, l, c, line, col)
			}
		}
	})
}
