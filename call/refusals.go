package call

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// refusals logs what the daemon turned away without letting a flood
// flood the log: the first refusal of each interval gets its own line
// (with its address and error), the others are counted and summed up in
// one line when the interval ends.
type refusals struct {
	log     *slog.Logger
	mu      sync.Mutex
	logged  bool           // a line in this interval already
	counts  map[string]int // by reason, beyond that line
	started time.Time
}

func newRefusals(log *slog.Logger) *refusals {
	return &refusals{log: log, counts: map[string]int{}, started: time.Now()}
}

// add records one refusal; extra are more attributes for its own line.
func (r *refusals) add(reason, addr string, err error, extra ...any) {
	r.mu.Lock()
	if r.logged {
		r.counts[reason]++
		r.mu.Unlock()
		return
	}
	r.logged = true
	r.mu.Unlock()
	msg := "connection refused before its handshake"
	if reason == reasonAccept {
		msg = "accept failed; retrying"
	}
	args := []any{"who", "daemon-refused", "reason", reason}
	if addr != "" {
		args = append(args, "addr", addr)
	}
	args = append(args, extra...)
	if err != nil {
		args = append(args, "err", err)
	}
	r.log.Warn(msg, args...)
}

// refusalCounter is the daemon's way to refusals: each is logged (or
// summed up) and told to the Daemon's Refused hook when there is one.
type refusalCounter struct {
	*refusals
	hook func(reason string, handshake bool)
}

func (r refusalCounter) add(reason, addr string, err error, extra ...any) {
	if r.hook != nil {
		r.hook(reason, false)
	}
	r.refusals.add(reason, addr, err, extra...)
}

// handshake is add for a connection whose handshake failed.
func (r refusalCounter) handshake(reason, addr string, err error) {
	if r.hook != nil {
		r.hook(reason, reason != reasonFull)
	}
	r.refusals.add(reason, addr, err)
}

// every sums up each interval until ctx ends.
func (r *refusals) every(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.flush()
		}
	}
}

// flush logs the counts of the interval now ending, if any, and starts
// the next one.
func (r *refusals) flush() {
	r.mu.Lock()
	counts, since := r.counts, r.started
	r.counts, r.logged, r.started = map[string]int{}, false, time.Now()
	r.mu.Unlock()
	if len(counts) == 0 {
		return
	}
	reasons := make([]string, 0, len(counts))
	total := 0
	for k, n := range counts {
		reasons = append(reasons, k)
		total += n
	}
	sort.Strings(reasons)
	args := []any{"who", "daemon-refused", "count", total, "seconds", int(time.Since(since).Round(time.Second).Seconds())}
	for _, k := range reasons {
		args = append(args, k, counts[k])
	}
	r.log.Warn("more connections refused before their handshake", args...)
}
