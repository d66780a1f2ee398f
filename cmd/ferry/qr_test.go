package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ferry-dtn/ferry/cfg"
)

// TestQRFitsATerminal: a card with two addresses and a line of text is
// drawn in alphanumeric mode, small enough for 80 columns, as square
// half-block rows with the quiet zone all white.
func TestQRFitsATerminal(t *testing.T) {
	t.Parallel()
	c, err := cfg.Parse([]byte(mustGenerate(t)))
	if err != nil {
		t.Fatal(err)
	}
	card, err := cfg.NewCard(c.Self, "alice-laptop", []cfg.CardAddr{{Name: "lan", Addr: "192.168.100.200:5400"}, {Name: "ssh", Addr: "|ssh alice.example.org ferry daemon --inetd"}}, "Alice's laptop, on most evenings")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writeQR(&b, card); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(strings.TrimPrefix(l, "\x1b[30;47m"), "\x1b[0m")
		width := utf8.RuneCountInString(l)
		if width > 80 || width != utf8.RuneCountInString(lines[0])-len("\x1b[30;47m")-len("\x1b[0m") {
			t.Fatalf("line %d is %d columns wide", i, width)
		}
		if (i < 2 || i >= len(lines)-2) && strings.TrimSpace(l) != "" {
			t.Errorf("quiet zone line %d not white: %q", i, l)
		}
		if want := (width + 1) / 2; len(lines) != want {
			t.Fatalf("%d lines for %d columns: not square", len(lines), width)
		}
	}
}

func mustGenerate(t *testing.T) string {
	text, err := cfg.Generate(cfg.GenOptions{NoComments: true})
	if err != nil {
		t.Fatal(err)
	}
	return text
}
