package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A removal long enough to redraw shows a count, and wipes it at the end;
// without a writer (not a terminal, --quiet, --noprogress) nothing shows.
func TestRmProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := rmProgress{w: &output{w: &b}}
	p.one()
	p.last = p.last.Add(-time.Second) // as if a redraw were due
	p.one()
	if !strings.Contains(b.String(), "rm: 2 removed") {
		t.Fatalf("no count drawn: %q", b.String())
	}
	p.done()
	if !strings.HasSuffix(b.String(), "\r\033[K") {
		t.Fatalf("line not wiped: %q", b.String())
	}
	var silent rmProgress
	silent.one()
	silent.done()
	if silent.n != 0 || silent.drawn {
		t.Fatal("drew without a writer")
	}
}
