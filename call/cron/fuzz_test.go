package cron

import (
	"strings"
	"testing"
	"time"
)

// fuzzFrom is a fixed start, so a failure replays exactly.
var fuzzFrom = time.Date(2026, 11, 24, 15, 20, 30, 500, time.UTC)

// An accepted expression has a schedule that moves forward, agrees with
// itself, and does not depend on the case of names, L, W and macros.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"* * * * *", "*/2 * * * * * *", "*/2 * * * * *", "0 */10 * * * * *", "30 4 * * *",
		"0 0 1 JAN *", "0 9 * * MON-FRI", "0 0 * * SUN", "0 0 * * 7", "0 0 L * *", "0 0 LW * *",
		"0 0 15W * *", "0 0 * * 5L", "0 0 * * 1#2", "0 0 0 1 1 * 2030", "@daily", "@hourly",
		"@weekly", "@monthly", "@yearly", "@annually", "0 12 1,15 * *", "0 0 30 2 *", "*/5 1-3,7 ? * ?",
		"", "* * *", "61 * * * *", "* * * * * * * *", "*/0 * * * *", "5-1 * * * *", "* * * FOO *",
		"0 0 * * 9#1", "0 0 31W 2 *", "0 0 * * SAT#5 2099",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		next, err := e.Next(fuzzFrom)
		if err != nil {
			return // nothing matches before 2100
		}
		if !next.After(fuzzFrom) || next.Nanosecond() != 0 {
			t.Fatalf("%q: next after %v is %v", s, fuzzFrom, next)
		}
		// Nothing matches between the start and next, so asking again
		// from just before next finds next itself.
		if again, err := e.Next(next.Add(-time.Second)); err != nil || !again.Equal(next) {
			t.Fatalf("%q: next after %v is %v (%v), want %v", s, next.Add(-time.Second), again, err, next)
		}
		if later, err := e.Next(next); err == nil && !later.After(next) {
			t.Fatalf("%q: next after %v is %v", s, next, later)
		}
		up, err := Parse(strings.ToUpper(s))
		if err != nil {
			t.Fatalf("%q accepted, %q refused: %v", s, strings.ToUpper(s), err)
		}
		if n2, err := up.Next(fuzzFrom); err != nil || !n2.Equal(next) {
			t.Fatalf("%q gives %v, %q gives %v (%v)", s, next, strings.ToUpper(s), n2, err)
		}
	})
}
