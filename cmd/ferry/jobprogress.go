package main

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	xterm "golang.org/x/term"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

// jobBar is the progress line of a local job: a file being queued, a
// packet tossed or carried to a medium or bundle, a file reassembled or
// hashed. The libraries count bytes (packet.ProgressMeter) and call
// report; jobBar decides when to redraw and draws through call's display
// (progress.redraw, under term.mu), so log lines go above the bar as they
// do during a call. One line, redrawn with \r:
//
//	name [=========           ]  45% 115.2 MiB/256.0 MiB 98.1 MiB/s ETA 1s
//
// A job of bigJob bytes or more is redrawn at every whole percent and
// leaves its finished line on screen; smaller ones are drawn only when
// jobRedraw has passed since the last drawing, so a toss of many small
// packets neither floods the terminal nor leaves a line per packet.
type jobBar struct {
	line  progress // the screen: one line
	now   func() time.Time
	width int // terminal columns; lines are cut to fit

	cur      packet.ProgressReport
	start    time.Time // when cur started
	drawnAt  time.Time // last drawing, of any job
	pct      int64     // cur's percentage last drawn
	onScreen bool      // cur is what the line shows
	finished int       // finished lines left on screen (tests read it)
}

const (
	bigJob      = 8 << 20
	jobRedraw   = 200 * time.Millisecond
	jobBarWidth = 20
	jobNameMax  = 20
)

// jobProgress returns the bar for this command's jobs, already shown
// (log lines go above it), or nil when progress is not to be shown
// (not a terminal, --quiet, --noprogress, noprogress in the config).
// The caller ends it with end.
func (g *globals) jobProgress(c *cfg.Config) *jobBar {
	if !g.showProgress(c) {
		return nil
	}
	j := &jobBar{line: progress{w: g.Stderr}, now: time.Now, width: 80}
	if fd, ok := terminalFd(g.Stderr); ok {
		if w, _, err := xterm.GetSize(fd); err == nil && w > 0 {
			j.width = w
		}
	}
	j.drawnAt = j.now() // a job done within jobRedraw is never drawn
	show(&j.line)
	return j
}

// progress is what the libraries' options take; nil without a bar.
func (j *jobBar) progress() packet.Progress {
	if j == nil {
		return nil
	}
	return j.report
}

// end wipes an unfinished bar and stops log lines going around it.
func (j *jobBar) end() {
	if j == nil {
		return
	}
	j.line.clear()
	show(nil)
}

func (j *jobBar) report(r packet.ProgressReport) {
	term.mu.Lock()
	defer term.mu.Unlock()
	now := j.now()
	if r.Name != j.cur.Name || (r.Done == 0 && !r.Final) { // a new job
		j.start, j.onScreen = now, false
	}
	j.cur = r
	big := r.Total >= bigJob || (r.Total < 0 && r.Done >= bigJob)
	pct := percent(r.Done, r.Total)
	switch {
	case r.Final && big:
		// Leave the finished line on screen: the next drawing starts
		// on the line below.
		j.line.redraw(nil)
		j.line.out().Write([]byte(j.finishedLine(now) + "\n"))
		j.onScreen = false
		j.finished++
	case r.Final:
		if j.onScreen { // on screen half done: show it done
			j.draw(now)
		}
	case big && (!j.onScreen || pct > j.pct), now.Sub(j.drawnAt) >= jobRedraw:
		j.draw(now)
	}
}

// draw puts cur's line on screen; the caller holds term.mu.
func (j *jobBar) draw(now time.Time) {
	j.line.redraw([]string{j.cut(j.lineAt(now))})
	j.drawnAt, j.pct, j.onScreen = now, percent(j.cur.Done, j.cur.Total), true
}

// lineAt renders cur while it runs: with a known total, a bar, the share
// done, the rate and the time left; without, the bytes and the rate.
func (j *jobBar) lineAt(now time.Time) string {
	r := j.cur
	rate, eta := j.rate(now), ""
	if r.Total < 0 {
		return fmt.Sprintf("%s %s %s", jobName(r.Name), humanSize(r.Done), rate)
	}
	if bps := j.bytesPerSec(now); bps > 0 && r.Done < r.Total {
		eta = " ETA " + time.Duration(float64(r.Total-r.Done)/bps*float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("%s [%s] %3d%% %s/%s %s%s", jobName(r.Name), fill(jobBarWidth, r.Done, r.Total),
		percent(r.Done, r.Total), humanSize(min(r.Done, r.Total)), humanSize(r.Total), rate, eta)
}

// finishedLine is what stays on screen once a big job is done. A job may
// read a little past its total (hash --seek rereads the block it resumed
// in): the size shown is the total then.
func (j *jobBar) finishedLine(now time.Time) string {
	r := j.cur
	size := r.Done
	if r.Total >= 0 {
		size = min(size, r.Total)
	}
	return j.cut(fmt.Sprintf("%s [%s] %s in %s, %s", jobName(r.Name), fill(jobBarWidth, 1, 1),
		humanSize(size), took(now.Sub(j.start)), j.rate(now)))
}

// took rounds a job's time to what a reader takes in: milliseconds
// under a second, tenths above.
func took(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func (j *jobBar) bytesPerSec(now time.Time) float64 {
	if d := now.Sub(j.start).Seconds(); d > 0 {
		return float64(j.cur.Done) / d
	}
	return 0
}

func (j *jobBar) rate(now time.Time) string {
	bps := j.bytesPerSec(now)
	if bps <= 0 {
		return "-/s"
	}
	return humanSize(int64(bps)) + "/s"
}

// cut keeps a line within the terminal's width, so that \r goes back to
// its start instead of to the start of its last wrapped part.
func (j *jobBar) cut(s string) string {
	if utf8.RuneCountInString(s) < j.width {
		return s
	}
	return string([]rune(s)[:max(j.width-1, 0)])
}

// jobName shortens a long name from the left: the end of a name (a file's
// extension, a packet's node) says most.
func jobName(s string) string {
	if r := []rune(s); len(r) > jobNameMax {
		return "…" + string(r[len(r)-jobNameMax+1:])
	}
	return s
}

// percent is done's share of total, 0 to 100 (-1 with no total known).
func percent(done, total int64) int64 {
	switch {
	case total < 0:
		return -1
	case total == 0:
		return 100
	}
	return 100 * min(max(done, 0), total) / total
}

// fill is a bar of width characters, '=' for done's share of total.
func fill(width int, done, total int64) string {
	n := width
	if total > 0 {
		n = int(int64(width) * min(max(done, 0), total) / total)
	}
	return strings.Repeat("=", n) + strings.Repeat(" ", width-n)
}
