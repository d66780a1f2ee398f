package call

import (
	"testing"
	"time"
)

func TestStallGuardHoldsAfterALateTick(t *testing.T) {
	t.Parallel()
	var g stallGuard
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, c := range []struct {
		at   int // ms after t0
		hold bool
	}{
		{0, false},    // first tick: nothing to compare with
		{100, false},  // on time
		{200, false},  // on time
		{2200, true},  // 2 s late: the process did not run
		{2201, true},  // the buffered next tick, right after
		{2300, true},  // still within the hold
		{2460, false}, // hold over: the verdict is taken again
		{2560, false},
	} {
		if got := g.holding(ms(c.at)); got != c.hold {
			t.Errorf("tick at %d ms: holding = %v, want %v", c.at, got, c.hold)
		}
	}
}
