package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/packet"
)

func TestProgressBar(t *testing.T) {
	t.Parallel()
	id := packet.ID{1}
	for _, c := range []struct {
		done, size int64
		fill, pct  string
	}{
		{0, 100, "", "  0%"},
		{50, 100, strings.Repeat("=", 15), " 50%"},
		{100, 100, strings.Repeat("=", 30), "100%"},
		{150, 100, strings.Repeat("=", 30), "100%"}, // never past the end
		{-5, 100, "", "  0%"},
		{1, 3 << 30, "", "  0%"},
	} {
		got := bar("rx", call.Transfer{ID: id, Done: c.done, Size: c.size})
		want := "[" + c.fill + strings.Repeat(" ", 30-len(c.fill)) + "] " + c.pct
		if !strings.Contains(got, want) || !strings.HasPrefix(got, "  rx "+id.String()[:12]) {
			t.Errorf("%d of %d: %q, want it to hold %q", c.done, c.size, got, want)
		}
	}
}

// TestProgressRedraw: each redraw goes back to the first line it drew and
// blanks lines it no longer needs, so nothing is left behind on screen.
func TestProgressRedraw(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := &progress{w: &output{w: &out}, node: "bob"}
	step := func(st call.Stats, want string) {
		t.Helper()
		out.Reset()
		p.draw(st)
		if got := out.String(); !strings.HasPrefix(got, want) {
			t.Errorf("got %q, want it to start %q", got, want)
		}
	}
	both := call.Stats{Rx: call.Transfer{Done: 1, Size: 2}, Tx: call.Transfer{Done: 1, Size: 2}}
	step(call.Stats{}, "\r\033[Kbob: rx") // one line, no cursor movement
	step(both, "\r\033[Kbob: rx")         // grows to three lines
	if p.drawn != 3 || strings.Count(out.String(), "\n") != 2 {
		t.Fatalf("three lines expected, drawn %d: %q", p.drawn, out.String())
	}
	step(call.Stats{}, "\033[2A\r\033[Kbob: rx") // back up two, then shrink
	if got := out.String(); !strings.HasSuffix(got, "\n\033[K\n\033[K\033[2A") || p.drawn != 1 {
		t.Errorf("shrinking left %q (drawn %d)", got, p.drawn)
	}
	out.Reset()
	p.clear()
	if got := out.String(); got != "\r\033[K\r" {
		t.Errorf("clear wrote %q", got)
	}
	out.Reset()
	p.clear() // nothing on screen: nothing to do
	if out.Len() != 0 {
		t.Errorf("second clear wrote %q", out.String())
	}
}

// TestLogAboveProgress: a log line printed while bars are up is written
// where the bars were, and the bars are drawn again below it.
func TestLogAboveProgress(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &output{w: &out}, node: "bob"}
	show(p)
	defer show(nil)
	p.draw(call.Stats{Rx: call.Transfer{Done: 1, Size: 2}})
	out.Reset()
	writeErr(&output{w: io.Discard}, "packet received\n")
	got := out.String()
	wipe := "\033[1A\r\033[K\n\033[K\033[1A\r"
	if !strings.HasPrefix(got, wipe+"packet received\n\r\033[Kbob: rx") || !strings.Contains(got, "\n\033[K  rx ") {
		t.Errorf("got %q", got)
	}
	if p.drawn != 2 {
		t.Errorf("%d lines on screen after the log line, want 2", p.drawn)
	}
}
