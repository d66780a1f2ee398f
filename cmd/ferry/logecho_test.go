package main

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// TestEchoLinePrefixes: each log level prints under its own prefix on
// stderr. A warning with a cause (a refusal under load) is a warning, not
// an error; an error without one is still an error.
func TestEchoLinePrefixes(t *testing.T) {
	cases := []struct {
		name  string
		level slog.Level
		msg   string
		attrs []any
		want  string
	}{
		{"warning with err", slog.LevelWarn, "connection refused before its handshake",
			[]any{"who", "daemon-refused", "reason", "full", "err", errors.New("too many connections")},
			"ferry: warning: connection refused before its handshake reason=full: too many connections\n"},
		{"warning without err", slog.LevelWarn, "message expired without a receipt", []any{"who", "tx", "pkt", "ABC"},
			"ferry: warning: message expired without a receipt pkt=ABC\n"},
		{"error with err", slog.LevelError, "toss failed", []any{"node", "bob", "err", errors.New("bad signature")},
			"ferry: error: toss failed node=bob: bad signature\n"},
		{"error without err", slog.LevelError, "no up multicast interface matches: not announced", []any{"iface", "eth.*"},
			"ferry: error: no up multicast interface matches: not announced iface=eth.*\n"},
		{"info with err", slog.LevelInfo, "metrics scrape cut short", []any{"peer", "127.0.0.1:1", "err", errors.New("broken pipe")},
			"metrics scrape cut short peer=127.0.0.1:1: broken pipe\n"},
		{"info", slog.LevelInfo, "file received", []any{"who", "rx", "size", 3}, "file received size=3\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errb bytes.Buffer
			g := &globals{streams: newStreams(nil, &bytes.Buffer{}, &errb)}
			r := slog.NewRecord(time.Now(), c.level, c.msg, 0)
			r.Add(c.attrs...)
			g.echo(nil)(r)
			if got := errb.String(); got != c.want {
				t.Errorf("printed %q, want %q", got, c.want)
			}
		})
	}
}

// TestEchoQuietKeepsOnlyErrors: --quiet asks for errors only, so a
// warning is dropped as the config's warnings are.
func TestEchoQuietKeepsOnlyErrors(t *testing.T) {
	var errb bytes.Buffer
	g := &globals{streams: newStreams(nil, &bytes.Buffer{}, &errb), quiet: true}
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		g.echo(nil)(slog.NewRecord(time.Now(), l, "event at "+l.String(), 0))
	}
	if got, want := errb.String(), "ferry: error: event at ERROR\n"; got != want {
		t.Errorf("quiet printed %q, want %q", got, want)
	}
}
