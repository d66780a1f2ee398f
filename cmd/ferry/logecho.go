package main

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/ferry-dtn/ferry/cfg"
)

// echo shows log events on stderr: errors always, the rest unless quiet.
func (g *globals) echo(c *cfg.Config) func(slog.Record) {
	return func(r slog.Record) {
		if r.Level < slog.LevelError && (g.quiet || (r.Level < slog.LevelInfo && !g.debug)) {
			return
		}
		line := echoLine(r)
		if h := g.held; h != nil {
			if line = h.add(line, r.Level >= slog.LevelError); line == "" {
				return
			}
		}
		writeErr(g.Stderr, line)
	}
}

// heldLines keeps echoed lines back to write them in one go, max at a
// time (an error at once, with those before it): `ferry rm` echoes one
// line per file removed, a million writes for a million packets. After
// a progress line (prefix "\r\033[K"), the lines begin by wiping it.
type heldLines struct {
	mu     sync.Mutex
	max, n int
	prefix string
	b      strings.Builder
}

// add keeps line and returns what is to be written now ("" for nothing).
func (h *heldLines) add(line string, now bool) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.b.WriteString(line)
	if h.n++; h.n < h.max && !now {
		return ""
	}
	return h.takeLocked()
}

// take returns the lines held ("" for none) and forgets them.
func (h *heldLines) take() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.takeLocked()
}

func (h *heldLines) takeLocked() string {
	if h.n == 0 {
		return ""
	}
	s := h.prefix + h.b.String()
	h.b.Reset()
	h.n = 0
	return s
}

// flushEcho writes the echoed lines held, if any.
func (g *globals) flushEcho() {
	if g.held != nil {
		if s := g.held.take(); s != "" {
			writeErr(g.Stderr, s)
		}
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
