// Package cron parses the cron expressions of NNCP's `calls` entries and
// finds their next times: fields [second] minute hour day-of-month month
// day-of-week [year], with ranges, steps, lists, month and day names,
// L, W and # for days, and the @yearly ... @hourly macros.
package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed expression.
type Expr struct {
	sec, min, hour, month [64]bool // month uses 1..12
	years                 map[int]bool
	dom                   domSpec
	dow                   dowSpec
	domAny, dowAny        bool
}

type domSpec struct {
	days     [32]bool
	last     bool         // L
	lastWeek bool         // LW
	nearest  map[int]bool // nW
}

type dowSpec struct {
	days [7]bool
	last map[int]bool // nL: last weekday n of the month
	nth  map[[2]int]bool
}

var macros = map[string]string{
	"@yearly": "0 0 0 1 1 * *", "@annually": "0 0 0 1 1 * *", "@monthly": "0 0 0 1 * * *",
	"@weekly": "0 0 0 * * 0 *", "@daily": "0 0 0 * * * *", "@hourly": "0 0 * * * * *",
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

// Parse parses an expression of 5, 6 or 7 fields, or a macro.
func Parse(s string) (*Expr, error) {
	s = strings.TrimSpace(s)
	if m, ok := macros[strings.ToLower(s)]; ok {
		s = m
	}
	f := strings.Fields(s)
	switch len(f) {
	case 5:
		f = append(append([]string{"0"}, f...), "*")
	case 6:
		f = append([]string{"0"}, f...)
	case 7:
	default:
		return nil, fmt.Errorf("cron %q: want 5, 6 or 7 fields, got %d", s, len(f))
	}
	e := &Expr{}
	var err error
	if err = set(e.sec[:], f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("cron %q: seconds: %w", s, err)
	}
	if err = set(e.min[:], f[1], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("cron %q: minutes: %w", s, err)
	}
	if err = set(e.hour[:], f[2], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("cron %q: hours: %w", s, err)
	}
	if err = e.parseDom(f[3]); err != nil {
		return nil, fmt.Errorf("cron %q: day of month: %w", s, err)
	}
	if err = set(e.month[:], f[4], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("cron %q: month: %w", s, err)
	}
	if err = e.parseDow(f[5]); err != nil {
		return nil, fmt.Errorf("cron %q: day of week: %w", s, err)
	}
	if f[6] != "*" {
		var years [2100]bool
		if err = set(years[:], f[6], 1970, 2099, nil); err != nil {
			return nil, fmt.Errorf("cron %q: year: %w", s, err)
		}
		e.years = map[int]bool{}
		for y, ok := range years {
			if ok {
				e.years[y] = true
			}
		}
	}
	return e, nil
}

// set marks the values a field lists in out.
func set(out []bool, field string, lo, hi int, names map[string]int) error {
	for _, part := range strings.Split(field, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 {
				return fmt.Errorf("bad step %q", stepS)
			}
			step = n
		}
		a, b := lo, hi
		if rng != "*" && rng != "?" {
			as, bs, isRange := strings.Cut(rng, "-")
			var err error
			if a, err = value(as, names); err != nil {
				return err
			}
			b = a
			if isRange {
				if b, err = value(bs, names); err != nil {
					return err
				}
			} else if hasStep {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return fmt.Errorf("%q out of range %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			out[v] = true
			if step > b-v { // v+step would pass b, or overflow for a huge step
				break
			}
		}
	}
	return nil
}

func value(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return n, nil
}

func (e *Expr) parseDom(f string) error {
	if f == "*" || f == "?" {
		e.domAny = true
		return nil
	}
	for _, part := range strings.Split(f, ",") {
		switch {
		case strings.EqualFold(part, "L"):
			e.dom.last = true
		case strings.EqualFold(part, "LW"):
			e.dom.lastWeek = true
		case strings.HasSuffix(strings.ToUpper(part), "W"):
			n, err := strconv.Atoi(part[:len(part)-1])
			if err != nil || n < 1 || n > 31 {
				return fmt.Errorf("bad %q", part)
			}
			if e.dom.nearest == nil {
				e.dom.nearest = map[int]bool{}
			}
			e.dom.nearest[n] = true
		default:
			if err := set(e.dom.days[:], part, 1, 31, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Expr) parseDow(f string) error {
	if f == "*" || f == "?" {
		e.dowAny = true
		return nil
	}
	for _, part := range strings.Split(f, ",") {
		up := strings.ToUpper(part)
		switch {
		case strings.HasSuffix(up, "L") && len(up) > 1:
			n, err := value(up[:len(up)-1], dayNames)
			if err != nil || n < 0 || n > 7 {
				return fmt.Errorf("bad %q", part)
			}
			if e.dow.last == nil {
				e.dow.last = map[int]bool{}
			}
			e.dow.last[n%7] = true
		case strings.Contains(up, "#"):
			ds, ks, _ := strings.Cut(up, "#")
			d, err1 := value(ds, dayNames)
			k, err2 := strconv.Atoi(ks)
			if err1 != nil || err2 != nil || d < 0 || d > 7 || k < 1 || k > 5 {
				return fmt.Errorf("bad %q", part)
			}
			if e.dow.nth == nil {
				e.dow.nth = map[[2]int]bool{}
			}
			e.dow.nth[[2]int{d % 7, k}] = true
		default:
			var days [8]bool
			if err := set(days[:], part, 0, 7, dayNames); err != nil {
				return err
			}
			for d, ok := range days {
				if ok {
					e.dow.days[d%7] = true
				}
			}
		}
	}
	return nil
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

func (e *Expr) domMatch(t time.Time) bool {
	d, n := t.Day(), daysIn(t.Year(), t.Month())
	if e.dom.days[d] || (e.dom.last && d == n) {
		return true
	}
	wd := t.Weekday()
	if e.dom.lastWeek {
		last := time.Date(t.Year(), t.Month(), n, 0, 0, 0, 0, t.Location())
		for last.Weekday() == time.Saturday || last.Weekday() == time.Sunday {
			last = last.AddDate(0, 0, -1)
		}
		if d == last.Day() {
			return true
		}
	}
	for want := range e.dom.nearest {
		if want > n {
			continue
		}
		day := time.Date(t.Year(), t.Month(), want, 0, 0, 0, 0, t.Location())
		switch day.Weekday() {
		case time.Saturday:
			if want == 1 {
				day = day.AddDate(0, 0, 2)
			} else {
				day = day.AddDate(0, 0, -1)
			}
		case time.Sunday:
			if want == n {
				day = day.AddDate(0, 0, -2)
			} else {
				day = day.AddDate(0, 0, 1)
			}
		}
		if d == day.Day() && wd >= time.Monday && wd <= time.Friday {
			return true
		}
	}
	return false
}

func (e *Expr) dowMatch(t time.Time) bool {
	wd := int(t.Weekday())
	if e.dow.days[wd] {
		return true
	}
	if e.dow.last[wd] && t.Day()+7 > daysIn(t.Year(), t.Month()) {
		return true
	}
	return e.dow.nth[[2]int{wd, (t.Day()-1)/7 + 1}]
}

func (e *Expr) dayMatch(t time.Time) bool {
	if (e.years != nil && !e.years[t.Year()]) || !e.month[int(t.Month())] {
		return false
	}
	switch {
	case e.domAny && e.dowAny:
		return true
	case e.domAny:
		return e.dowMatch(t)
	case e.dowAny:
		return e.domMatch(t)
	}
	return e.domMatch(t) || e.dowMatch(t)
}

// ErrNever is returned when no time matches within the years supported.
var ErrNever = errors.New("cron: no matching time before 2100")

// Next returns the first matching time strictly after t.
func (e *Expr) Next(t time.Time) (time.Time, error) {
	t = t.Truncate(time.Second).Add(time.Second)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for day.Year() < 2100 {
		if e.dayMatch(day) {
			for h := 0; h < 24; h++ {
				if !e.hour[h] {
					continue
				}
				for m := 0; m < 60; m++ {
					if !e.min[m] {
						continue
					}
					for s := 0; s < 60; s++ {
						if !e.sec[s] {
							continue
						}
						c := time.Date(day.Year(), day.Month(), day.Day(), h, m, s, 0, day.Location())
						if !c.Before(t) {
							return c, nil
						}
					}
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, ErrNever
}
