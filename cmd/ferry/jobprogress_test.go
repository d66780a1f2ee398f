package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// testBar is a bar on a buffer whose clock moves only when told.
func testBar(width int) (*jobBar, *bytes.Buffer, *time.Time) {
	var out bytes.Buffer
	clock := time.Unix(1000, 0)
	j := &jobBar{line: progress{w: &output{w: &out}}, now: func() time.Time { return clock }, width: width, drawnAt: clock}
	return j, &out, &clock
}

// A big job is drawn at its start and at every whole percent whatever the
// clock says, with its rate and time left, and leaves a finished line.
func TestJobBarBigJob(t *testing.T) {
	j, out, clock := testBar(200)
	const size = 256 << 20
	j.report(packet.ProgressReport{Name: "big.bin", Total: size})
	if got := out.String(); !strings.HasPrefix(got, "\r\033[Kbig.bin [") || !strings.Contains(got, "  0% 0 B/256.0 MiB -/s") {
		t.Fatalf("start drawn as %q", got)
	}
	for done := int64(packet.ProgressStep); done < size; done += packet.ProgressStep {
		*clock = clock.Add(10 * time.Millisecond) // 100 MiB/s
		j.report(packet.ProgressReport{Name: "big.bin", Done: done, Total: size})
	}
	if n := strings.Count(out.String(), "\r\033[K"); n != 100 {
		t.Errorf("%d drawings of a 256 MiB job, want one per percent (100)", n)
	}
	if !strings.Contains(out.String(), "[==========          ]  50% 128.0 MiB/256.0 MiB 100.0 MiB/s ETA 1s") {
		t.Errorf("no half-way line with rate and ETA in %q", out.String())
	}
	out.Reset()
	*clock = clock.Add(10 * time.Millisecond)
	j.report(packet.ProgressReport{Name: "big.bin", Done: size, Total: size, Final: true})
	want := "big.bin [====================] 256.0 MiB in 2.6s, 100.0 MiB/s\n"
	if got := out.String(); !strings.HasSuffix(got, "\r"+want) || j.finished != 1 {
		t.Errorf("finished with %q, want it to end %q", got, want)
	}
	// The finished line stays: the next job draws on the line below, and
	// ending the command wipes nothing of it.
	out.Reset()
	j.end()
	if out.Len() != 0 {
		t.Errorf("end after a finished line wrote %q", out.String())
	}
}

// A job that read past its total (hash --seek rereads the block it
// resumed in) finishes at its total, not above it.
func TestJobBarOvershoot(t *testing.T) {
	j, out, _ := testBar(200)
	j.report(packet.ProgressReport{Name: "f", Total: 10 << 20})
	j.report(packet.ProgressReport{Name: "f", Done: 10<<20 + 128<<10, Total: 10 << 20, Final: true})
	if got := out.String(); !strings.Contains(got, "f [====================] 10.0 MiB in ") {
		t.Errorf("got %q", got)
	}
}

// Small jobs are drawn only once jobRedraw has passed, and leave no line.
func TestJobBarSmallJobs(t *testing.T) {
	j, out, clock := testBar(200)
	pkt := func(name string) {
		j.report(packet.ProgressReport{Name: name, Total: 4096})
		j.report(packet.ProgressReport{Name: name, Done: 4096, Total: 4096, Final: true})
	}
	for i := range 10 {
		pkt("alice P" + string(rune('0'+i)))
	}
	if out.Len() != 0 {
		t.Fatalf("quick small jobs drawn: %q", out.String())
	}
	*clock = clock.Add(jobRedraw)
	j.report(packet.ProgressReport{Name: "alice SLOW", Total: 4096}) // due: drawn at 0%
	j.report(packet.ProgressReport{Name: "alice SLOW", Done: 4096, Total: 4096, Final: true})
	got := out.String()
	if !strings.Contains(got, "alice SLOW [                    ]   0%") || !strings.HasSuffix(got, "100% 4.0 KiB/4.0 KiB -/s") {
		t.Errorf("a small job on screen is not shown done: %q", got)
	}
	if j.finished != 0 || strings.Contains(got, "\n") {
		t.Errorf("a small job left a line: %q", got)
	}
	out.Reset()
	j.end()
	if got := out.String(); got != "\r\033[K\r" {
		t.Errorf("end wrote %q, want the line wiped", got)
	}
}

// Without a total (stdin, a directory's archive) the bar shows bytes and
// rate; a long one still leaves its finished line.
func TestJobBarUnknownTotal(t *testing.T) {
	j, out, clock := testBar(200)
	j.report(packet.ProgressReport{Name: "stdin", Total: -1})
	*clock = clock.Add(time.Second)
	j.report(packet.ProgressReport{Name: "stdin", Done: 10 << 20, Total: -1})
	if got := out.String(); !strings.HasSuffix(got, "\r\033[Kstdin 10.0 MiB 10.0 MiB/s") {
		t.Errorf("got %q", got)
	}
	j.report(packet.ProgressReport{Name: "stdin", Done: 10 << 20, Total: -1, Final: true})
	if !strings.HasSuffix(out.String(), "stdin [====================] 10.0 MiB in 1s, 10.0 MiB/s\n") {
		t.Errorf("finished as %q", out.String())
	}
}

// Lines never reach the terminal's last column, where they would wrap
// and \r would no longer go back to their start; long names are cut
// from the left.
func TestJobBarFitsTheTerminal(t *testing.T) {
	j, out, _ := testBar(40)
	j.report(packet.ProgressReport{Name: "a-very-long-directory-name/and-file.bin", Total: 100 << 20})
	line := strings.TrimPrefix(out.String(), "\r\033[K")
	if n := len([]rune(line)); n != 39 || !strings.HasPrefix(line, "…y-name/and-file.bin [") {
		t.Errorf("%d columns: %q", n, line)
	}
}

// A log line during a job goes above its bar, as during a call.
func TestJobBarLogAbove(t *testing.T) {
	j, out, _ := testBar(200)
	show(&j.line)
	defer show(nil)
	j.report(packet.ProgressReport{Name: "big.bin", Total: 64 << 20})
	out.Reset()
	writeErr(&output{w: io.Discard}, "queued\n") // the bar's own writer gets it
	if got := out.String(); !strings.HasPrefix(got, "\r\033[K\rqueued\n\r\033[Kbig.bin [") {
		t.Errorf("got %q", got)
	}
}
