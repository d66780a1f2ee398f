package call

import "time"

// Clock tells the time and waits. Sessions and the caller take theirs
// from Options.Clock and Caller.Clock, so a test can run a day of cron
// rounds in an instant; nil means the real one.
type Clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func clockOr(c Clock) Clock {
	if c == nil {
		return realClock{}
	}
	return c
}
