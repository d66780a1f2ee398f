package call

import "time"

// A process that is not scheduled for a while (a loaded machine, a
// stopped VM, swapping) wakes with its ticks late and its reader's data
// still unread in the socket: the peer may have sent all along. Judging
// the session idle on such a tick would end a live call for our own
// pause, so after a late tick the verdict waits stallHold, long enough
// for the reader (and, in one process, the peer's sender) to run. The
// guard uses the real clock, not the session's injected one: it is about
// this process's scheduling, and a test moving its clock must still see
// the session end.
type stallGuard struct {
	last  time.Time // the previous tick
	until time.Time // no verdict before this
}

const (
	lateTick  = time.Second            // a 100 ms tick this late means we did not run
	stallHold = 250 * time.Millisecond // how long the verdict waits after one
)

// holding records a tick at now and says whether the idle verdict must
// wait.
func (g *stallGuard) holding(now time.Time) bool {
	if !g.last.IsZero() && now.Sub(g.last) > lateTick {
		g.until = now.Add(stallHold)
	}
	g.last = now
	return now.Before(g.until)
}
