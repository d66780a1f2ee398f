package cfg

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// hjson-go decodes objects into maps, so a key written twice silently
// keeps its last value; its own duplicate check prints both values (a
// private key among them) and no field path. scanHjson walks the same
// grammar, step for step as hjson-go v4 reads it, and keeps every key with
// its line. It only ever sees text hjson-go has already accepted; the
// fuzz target checks that the two agree on the keys of every object.

// hjsonTree is one object or array as the file wrote it.
type hjsonTree struct {
	obj   bool
	keys  []string     // object keys in file order, duplicates kept
	lines []int        // line of each key
	kids  []*hjsonTree // each key's value or each element; nil for a scalar

	// Byte offsets, for editing the text (edit.go). open and close are
	// the braces (-1 for a root without them); per member: where its
	// key starts, where its value starts and ends, and its comma (-1:
	// none).
	open, close        int
	starts, vals, ends []int
	commas             []int
}

type hjsonScanner struct {
	data []byte
	at   int  // index of the byte after ch
	ch   byte // current byte; 0 past the end (and, as in hjson-go, at a NUL)
	line int  // line of ch
}

var errScan = errors.New("hjson key scan: input hjson-go accepted does not scan (a ferry bug)")

// scanHjson returns the root object of data, which must be Hjson that
// hjson-go decoded into an object.
func scanHjson(data []byte) (*hjsonTree, error) {
	s := &hjsonScanner{data: data}
	s.next()
	s.white()
	t, err := s.object(s.ch != '{')
	if err != nil {
		return nil, err
	}
	if s.white(); s.ch > 0 {
		return nil, errScan
	}
	return t, nil
}

func (s *hjsonScanner) next() bool {
	if s.at > 0 && s.at <= len(s.data) && s.data[s.at-1] == '\n' {
		s.line++
	}
	if s.at < len(s.data) {
		s.ch = s.data[s.at]
		s.at++
		return true
	}
	s.at++
	s.ch = 0
	return false
}

// pos is the offset of ch (the end of the data past it).
func (s *hjsonScanner) pos() int { return min(s.at-1, len(s.data)) }

func (s *hjsonScanner) peek() byte {
	if s.at < len(s.data) {
		return s.data[s.at]
	}
	return 0
}

func isPunctuator(c byte) bool {
	return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':'
}

// white skips blanks and #, // and /* */ comments.
func (s *hjsonScanner) white() {
	for s.ch > 0 {
		for s.ch > 0 && s.ch <= ' ' {
			s.next()
		}
		switch {
		case s.ch == '#' || s.ch == '/' && s.peek() == '/':
			for s.ch > 0 && s.ch != '\n' {
				s.next()
			}
		case s.ch == '/' && s.peek() == '*':
			s.next()
			s.next()
			for s.ch > 0 && !(s.ch == '*' && s.peek() == '/') {
				s.next()
			}
			if s.ch > 0 {
				s.next()
				s.next()
			}
		default:
			return
		}
	}
}

func (s *hjsonScanner) object(braceless bool) (*hjsonTree, error) {
	t := &hjsonTree{obj: true, open: -1, close: -1}
	if !braceless {
		t.open = s.pos()
		s.next()
		s.white()
		if s.ch == '}' {
			t.close = s.pos()
			s.next()
			return t, nil
		}
	}
	for s.ch > 0 {
		line, start := s.line+1, s.pos()
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		if s.white(); s.ch != ':' {
			return nil, errScan
		}
		s.next()
		s.white()
		val := s.pos()
		kid, err := s.value()
		if err != nil {
			return nil, err
		}
		end, comma := s.pos(), -1
		if s.white(); s.ch == ',' {
			comma = s.pos()
			s.next()
			s.white()
		}
		t.keys, t.lines, t.kids = append(t.keys, key), append(t.lines, line), append(t.kids, kid)
		t.starts, t.vals, t.ends, t.commas = append(t.starts, start), append(t.vals, val), append(t.ends, end), append(t.commas, comma)
		if s.ch == '}' && !braceless {
			t.close = s.pos()
			s.next()
			return t, nil
		}
	}
	if braceless {
		return t, nil
	}
	return nil, errScan
}

func (s *hjsonScanner) array() (*hjsonTree, error) {
	t := &hjsonTree{}
	s.next()
	if s.white(); s.ch == ']' {
		s.next()
		return t, nil
	}
	for s.ch > 0 {
		kid, err := s.value()
		if err != nil {
			return nil, err
		}
		if s.white(); s.ch == ',' {
			s.next()
			s.white()
		}
		t.kids = append(t.kids, kid)
		if s.ch == ']' {
			s.next()
			return t, nil
		}
	}
	return nil, errScan
}

// value skips one value, returning the tree of an object or array.
func (s *hjsonScanner) value() (*hjsonTree, error) {
	s.white()
	switch s.ch {
	case '{':
		return s.object(false)
	case '[':
		return s.array()
	case '"', '\'':
		_, err := s.quoted(true)
		return nil, err
	}
	return nil, s.quoteless()
}

// key reads a key name: quoted, or bare up to the colon (blanks before
// the colon are not part of it).
func (s *hjsonScanner) key() (string, error) {
	if s.ch == '"' || s.ch == '\'' {
		return s.quoted(false)
	}
	var name []byte
	space := -1
	for {
		switch {
		case s.ch == ':':
			if len(name) == 0 || space >= 0 && space != len(name) {
				return "", errScan
			}
			return string(name), nil
		case s.ch == 0:
			return "", errScan
		case s.ch <= ' ':
			if space < 0 {
				space = len(name)
			}
		case isPunctuator(s.ch):
			return "", errScan
		default:
			name = append(name, s.ch)
		}
		s.next()
	}
}

var hjsonEscapes = map[byte]byte{'"': '"', '\'': '\'', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// quoted reads a "..." or '...' string; with ml, ”' starts a multiline
// string.
func (s *hjsonScanner) quoted(ml bool) (string, error) {
	var out []byte
	end := s.ch
	for s.next() {
		switch {
		case s.ch == end:
			s.next()
			if ml && end == '\'' && s.ch == '\'' && len(out) == 0 {
				s.next()
				return "", s.multiline()
			}
			return string(out), nil
		case s.ch == '\\':
			s.next()
			if s.ch == 'u' {
				r := 0
				for range 4 {
					s.next()
					d := strings.IndexByte("0123456789abcdef", s.ch|0x20)
					if d < 0 || s.ch < '0' {
						return "", errScan
					}
					r = r*16 + d
				}
				out = utf8.AppendRune(out, rune(r))
			} else if e, ok := hjsonEscapes[s.ch]; ok {
				out = append(out, e)
			} else {
				return "", errScan
			}
		case s.ch == '\n' || s.ch == '\r':
			return "", errScan
		default:
			out = append(out, s.ch)
		}
	}
	return "", errScan
}

// multiline skips to the ”' that ends a multiline string.
func (s *hjsonScanner) multiline() error {
	quotes := 0
	for {
		switch {
		case s.ch == 0:
			return errScan
		case s.ch == '\'':
			quotes++
			s.next()
			if quotes == 3 {
				return nil
			}
			continue
		}
		quotes = 0
		s.next()
	}
}

// quoteless skips a bare value. It runs to the end of the line unless
// what came before a , } ] or comment is true, false, null or a number.
func (s *hjsonScanner) quoteless() error {
	if isPunctuator(s.ch) {
		return errScan
	}
	first := s.ch
	val := []byte{s.ch}
	for {
		s.next()
		eol := s.ch == '\r' || s.ch == '\n' || s.ch == 0
		if eol || s.ch == ',' || s.ch == '}' || s.ch == ']' || s.ch == '#' ||
			s.ch == '/' && (s.peek() == '/' || s.peek() == '*') {
			switch first {
			case 'f', 'n', 't':
				switch strings.TrimSpace(string(val)) {
				case "false", "null", "true":
					return nil
				}
			default:
				if (first == '-' || first >= '0' && first <= '9') && hjsonNumber(val) {
					return nil
				}
			}
			if eol {
				return nil
			}
		}
		val = append(val, s.ch)
	}
}

// hjsonNumber reports whether text is a number as hjson-go reads one: an
// optional minus, digits without a leading zero, an optional fraction
// and exponent, then only blanks.
func hjsonNumber(text []byte) bool {
	i := 0
	at := func() byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	digit := func() bool { c := at(); return c >= '0' && c <= '9' }
	if at() == '-' {
		i++
	}
	start, zeros := i, 0
	for digit() {
		i++
	}
	if digits := text[start:i]; len(digits) > 0 && digits[0] == '0' {
		zeros = len(digits) - len(strings.TrimLeft(string(digits), "0"))
		if zeros == len(digits) {
			zeros-- // a single 0 is allowed
		}
	} else if len(digits) == 0 {
		zeros = -1
	}
	if at() == '.' {
		for i++; digit(); i++ {
		}
	}
	if c := at(); c == 'e' || c == 'E' {
		i++
		if c := at(); c == '-' || c == '+' {
			i++
		}
		for digit() {
			i++
		}
	}
	for c := at(); c > 0 && c <= ' '; c = at() {
		i++
	}
	return at() == 0 && zeros == 0
}
