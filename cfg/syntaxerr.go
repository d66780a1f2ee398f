package cfg

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"
)

// hjson-go reports a syntax error as "MSG at line L,C >>> TEXT", where C
// counts bytes, is 0-based on the first line and 1-based on the others,
// points past the end of a line when the culprit is its newline, and
// TEXT is the first 20 bytes of the line, which may be half a private
// key. Errors at the end of the input carry no place at all. syntaxError
// recovers the byte hjson-go stopped at and says where that is as an
// editor does, with no excerpt.

// SyntaxError is an Hjson syntax error at a place in the file.
type SyntaxError struct {
	Line   int // 1-based
	Column int // 1-based, in characters
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

var hjsonErrAt = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)^(.*?) at line (\d+),(\d+) >>> `) })

// syntaxError turns hjson-go's error about data into a SyntaxError.
func syntaxError(data []byte, err error) error {
	msg := err.Error()
	at := len(data) // no place given: the parser ran off the end
	if m := hjsonErrAt().FindStringSubmatch(msg); m != nil {
		msg = m[1]
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		if off, ok := hjsonOffset(data, line, col); ok {
			at = off
		}
	}
	line := 1 + bytes.Count(data[:at], []byte("\n"))
	start := bytes.LastIndexByte(data[:at], '\n') + 1
	return &SyntaxError{Line: line, Column: 1 + utf8.RuneCount(data[start:at]), Msg: lowerFirst(msg)}
}

// hjsonOffset inverts hjson-go's errAt: the index of the byte it was at
// when it reported line and col. That function walks back from the byte
// to the previous newline at an index above 0, counting col, then counts
// the newlines at indexes 1 and up before it.
func hjsonOffset(data []byte, line, col int) (int, bool) {
	nl := 0 // the newline the column is counted from; 0 on line 1
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[nl+1:], '\n')
		if i < 0 {
			return 0, false
		}
		nl += 1 + i
	}
	off := nl + col
	if off < 0 || off >= len(data) || col > 0 && bytes.IndexByte(data[nl+1:off+1], '\n') >= 0 {
		return 0, false
	}
	return off, true
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
