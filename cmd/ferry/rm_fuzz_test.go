package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An accepted --older age is never negative (rm treats an age <= 0 as
// "everything"), a day count is plain digits and exact, and any other
// form means what time.ParseDuration says.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"30s", "10m", "2h", "7d", "0d", "1h30m", "0", "", "d", "-5m", "-1d", "+1d", "1.5d", "1xd", "1h2d", "106751d", "106752d", "300000d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		age, err := parseAge(s)
		if err != nil {
			return
		}
		if age < 0 {
			t.Fatalf("%q accepted as a negative age %v", s, age)
		}
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if days == "" || strings.TrimLeft(days, "0123456789") != "" {
				t.Fatalf("%q accepted as %v: the day count is not plain digits", s, age)
			}
			n, err := strconv.ParseInt(days, 10, 64)
			if err != nil || n > int64(math.MaxInt64/(24*time.Hour)) || age != time.Duration(n)*24*time.Hour {
				t.Fatalf("%q accepted as %v: not %s days (%v)", s, age, days, err)
			}
			return
		}
		if want, err := time.ParseDuration(s); err != nil || want != age {
			t.Fatalf("%q accepted as %v, time.ParseDuration says %v (%v)", s, age, want, err)
		}
	})
}
