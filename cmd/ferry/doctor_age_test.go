package main

import (
	"strings"
	"testing"
	"time"
)

// Doctor's ages come from the config's ferry-age: a tx packet past the
// node's tx limit, and a .part past the part limit, are reported (with
// ferry gc as the way they go); younger than the limits, they are not,
// even past the fixed 7 days doctor uses where the config has none.
func TestDoctorUsesAgeLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		ages  string // the config's ferry-age object
		tx    float64
		part  float64 // days old
		wantT bool
		wantP bool
	}{
		{"no limits: the 7-day default", "", 3, 3, false, false},
		{"no limits, older than 7 days", "", 8, 8, true, true},
		{"limits of 2 days", "tx: 2d\n    part: 2d", 3, 3, true, true},
		{"limits of 30 days", "tx: 30d\n    part: 30d", 8, 8, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newDoctorLab(t)
			bob := l.ids["bob"]
			if c.ages != "" {
				l.edit(t, "ferry-reserve: 0", "ferry-reserve: 0\n  ferry-age: {\n    "+c.ages+"\n  }")
			}
			l.file(t, dayf(c.tx), bob, "tx", seedID(1))
			l.file(t, dayf(c.part), bob, "rx", seedID(2)+".part")
			out := string(runDoctorCmd(t, l).stdout)
			if got := strings.Contains(out, "tx-old bob/"+seedID(1)); got != c.wantT {
				t.Errorf("tx-old reported: %v, want %v\n%s", got, c.wantT, out)
			}
			if got := strings.Contains(out, "stale-part bob/"+seedID(2)); got != c.wantP {
				t.Errorf("stale-part reported: %v, want %v\n%s", got, c.wantP, out)
			}
			if c.ages != "" && c.wantT && !strings.Contains(out, "ferry gc") {
				t.Errorf("no ferry gc in the advice under a limit:\n%s", out)
			}
		})
	}
}

func dayf(n float64) time.Duration { return time.Duration(n * float64(day)) }
