package journal

import (
	"bufio"
	"io"
	"strings"
)

// Record is one parsed log record: fields in file order.
type Record struct {
	Fields []Field
}

// Field is one "Name: value" pair.
type Field struct{ Name, Value string }

// Get returns the first value of a field, or "".
func (r Record) Get(name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Read parses records from r, calling fn for each; malformed lines are
// skipped rather than ending the read, since a log is append-only text
// that other programs write too.
func Read(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cur Record
	flush := func() error {
		if len(cur.Fields) == 0 {
			return nil
		}
		rec := cur
		cur = Record{}
		return fn(rec)
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if err := flush(); err != nil {
				return err
			}
		case strings.HasPrefix(line, "+ ") || line == "+":
			if n := len(cur.Fields); n > 0 {
				cur.Fields[n-1].Value += "\n" + strings.TrimPrefix(strings.TrimPrefix(line, "+"), " ")
			}
		default:
			name, value, ok := strings.Cut(line, ": ")
			if !ok {
				name, value, ok = strings.Cut(line, ":")
			}
			if ok && name != "" && !strings.ContainsAny(name, " \t") {
				cur.Fields = append(cur.Fields, Field{name, value})
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return sc.Err()
}
