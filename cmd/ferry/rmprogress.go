package main

import (
	"fmt"
	"time"
)

// rmProgress shows on the terminal how many files a long `ferry rm` has
// removed so far, redrawn at most every rmRedraw: a queue of a million
// packets takes minutes to remove, and a silent rm looks hung. With no
// writer (not a terminal, --quiet, --noprogress) it draws nothing.
type rmProgress struct {
	w     *output
	held  func() string // lines to write before a redraw (held echo lines)
	n     int
	start time.Time
	last  time.Time
	drawn bool
}

const rmRedraw = 200 * time.Millisecond

func (p *rmProgress) one() {
	if p.w == nil {
		return
	}
	p.n++
	now := time.Now()
	if p.start.IsZero() {
		p.start, p.last = now, now
	}
	if now.Sub(p.last) < rmRedraw {
		return
	}
	p.last = now
	rate := float64(p.n) / now.Sub(p.start).Seconds()
	lines := ""
	if p.held != nil {
		lines = p.held()
	}
	fmt.Fprintf(p.w, "\r\033[K%srm: %d removed (%.0f/s, %s)", lines, p.n, rate, now.Sub(p.start).Round(time.Second))
	p.drawn = true
}

// done wipes the line, leaving the cursor where it began.
func (p *rmProgress) done() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
