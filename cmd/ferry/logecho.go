package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
)

// echo shows log events on stderr: errors always, the rest unless quiet.
func (g *globals) echo(c *cfg.Config) func(slog.Record) {
	return func(r slog.Record) {
		if r.Level < slog.LevelError && (g.quiet || (r.Level < slog.LevelInfo && !g.debug)) {
			return
		}
		writeErr(g.Stderr, echoLine(r))
	}
}

// echoLine is one event as stderr shows it. The prefix says the level,
// as the CLI's own lines do: "ferry: error: " for an error, "ferry:
// warning: " for a warning (a refusal under load, a packet left for lack
// of room), none for the rest. An err field is the line's tail, whatever
// the level: a warning's cause does not make it an error.
func echoLine(r slog.Record) string {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("ferry: error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("ferry: warning: ")
	}
	b.WriteString(r.Message)
	var errText string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "err":
			errText = a.Value.String()
		case "who":
		default:
			fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
		}
		return true
	})
	if errText != "" {
		b.WriteString(": " + errText)
	}
	b.WriteByte('\n')
	return b.String()
}
