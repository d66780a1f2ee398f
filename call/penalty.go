package call

import "time"

// failures remembers, per source address, the handshakes that failed
// from it (an unknown key, garbage, silence), as a leaky bucket: each
// failure adds one, the level drains at failRate per second, and an
// address at failBurst is refused at accept until it drains. A
// neighbour's handshakes do not fail, so only addresses that send
// garbage or unknown keys pay; refusing one costs the daemon an accept
// and a close, where a computed message 1 costs two X25519.
type failures struct {
	levels map[string]failLevel
}

type failLevel struct {
	level float64
	at    time.Time
}

const (
	failBurst = 16
	failRate  = 1.0 // per second
	// failMax bounds the memory: past it, addresses that have drained are
	// forgotten, and if that is not enough, all of them.
	failMax = 1 << 16
)

func (f *failures) drained(l failLevel, now time.Time) float64 {
	return max(0, l.level-now.Sub(l.at).Seconds()*failRate)
}

// blocked says whether src has failed too often lately.
func (f *failures) blocked(src string, now time.Time) bool {
	l, ok := f.levels[src]
	return ok && f.drained(l, now) >= failBurst
}

// failed counts one failure for src.
func (f *failures) failed(src string, now time.Time) {
	if f.levels == nil {
		f.levels = map[string]failLevel{}
	}
	l := f.levels[src]
	f.levels[src] = failLevel{level: min(f.drained(l, now)+1, 2*failBurst), at: now}
	if len(f.levels) <= failMax {
		return
	}
	for k, l := range f.levels {
		if f.drained(l, now) == 0 {
			delete(f.levels, k)
		}
	}
	if len(f.levels) > failMax {
		clear(f.levels)
	}
}
