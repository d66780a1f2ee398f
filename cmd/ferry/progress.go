package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dtn/ferry/call"
)

// progress draws a call's state on the terminal, redrawn each second: a
// line of totals, then a bar for the packet being received and one for
// the packet being sent. Log lines printed meanwhile (writeErr) go above
// it: the display is wiped, the line printed, the display drawn again.
// The local jobs' bar (jobBar) draws through the same code, one line.
type progress struct {
	w              *output // os.Stderr when nil
	node           string
	lastRx, lastTx int64
	drawn          int      // lines on screen; the cursor is on the last
	lines          []string // what is on screen
}

// term serializes stderr while a progress display is up.
var term struct {
	mu   sync.Mutex
	bars *progress
}

// show makes p the display that log lines go above (nil: none).
func show(p *progress) {
	term.mu.Lock()
	term.bars = p
	term.mu.Unlock()
}

// writeErr writes s (whole lines) to stderr above any progress display.
func writeErr(w *output, s string) {
	term.mu.Lock()
	defer term.mu.Unlock()
	p := term.bars
	if p == nil {
		io.WriteString(w, s)
		return
	}
	lines := p.lines
	p.redraw(nil)
	io.WriteString(p.out(), s)
	p.redraw(lines)
}

func (p *progress) out() *output {
	if p.w == nil {
		return &output{w: os.Stderr}
	}
	return p.w
}

func (p *progress) draw(st call.Stats) {
	term.mu.Lock()
	defer term.mu.Unlock()
	lines := []string{fmt.Sprintf("%s: rx %s (%s/s, %d done)  tx %s (%s/s, %d done)  %s",
		p.node, humanSize(st.RxBytes), humanSize(st.RxBytes-p.lastRx), st.RxPkts,
		humanSize(st.TxBytes), humanSize(st.TxBytes-p.lastTx), st.TxPkts, st.Duration.Round(time.Second))}
	p.lastRx, p.lastTx = st.RxBytes, st.TxBytes
	if st.Rx.Size > 0 {
		lines = append(lines, bar("rx", st.Rx))
	}
	if st.Tx.Size > 0 {
		lines = append(lines, bar("tx", st.Tx))
	}
	p.redraw(lines)
}

// clear removes what was drawn and leaves the cursor where it began.
func (p *progress) clear() {
	term.mu.Lock()
	defer term.mu.Unlock()
	p.redraw(nil)
}

// redraw replaces the display with lines (none: wipe it, leaving the
// cursor at the start of its first line). The caller holds term.mu.
func (p *progress) redraw(lines []string) {
	if len(lines) == 0 && p.drawn == 0 {
		return
	}
	var b strings.Builder
	if p.drawn > 1 {
		fmt.Fprintf(&b, "\033[%dA", p.drawn-1) // up to the first line
	}
	b.WriteString("\r")
	n := max(len(lines), p.drawn, 1)
	for i := range n {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("\033[K")
		if i < len(lines) {
			b.WriteString(lines[i])
		}
	}
	// Back up to the last line written, over lines just blanked.
	last := max(len(lines), 1)
	if n > last {
		fmt.Fprintf(&b, "\033[%dA", n-last)
	}
	if len(lines) == 0 {
		b.WriteString("\r")
	}
	p.drawn, p.lines = len(lines), lines
	io.WriteString(p.out(), b.String())
}

const barWidth = 30

// bar renders one transfer: direction, packet, bar, percentage, sizes.
func bar(dir string, t call.Transfer) string {
	done := min(max(t.Done, 0), t.Size)
	return fmt.Sprintf("  %s %s [%s] %3d%% %s of %s", dir, t.ID.String()[:12],
		fill(barWidth, done, t.Size), percent(done, t.Size), humanSize(done), humanSize(t.Size))
}
