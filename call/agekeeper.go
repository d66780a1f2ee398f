package call

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// AgeKeeper applies the config's age limits (ferry-age) to the spool
// while a daemon or a caller runs, so that no cron job is needed: one
// pass as it starts, then one every Every by its Clock. The Daemon or
// Caller that has one runs it on a goroutine of its own and waits for
// it before returning; a pass stops between two files when ctx ends.
type AgeKeeper struct {
	Spool *spool.Spool
	Cfg   *cfg.Config
	Log   *slog.Logger  // nil: discard
	Clock Clock         // nil: the Caller's, else the real clock
	Every time.Duration // between passes; 0: DefaultAgeEvery
	// Also runs after each pass, with the pass's time: other periodic
	// upkeep the keeper's owner adds (cmd/ferry: the failover pass of
	// toss, which this package cannot import). nil: none.
	Also func(ctx context.Context, now time.Time)
	// Removed is told of each file a pass removed (the daemon's
	// metrics count them by kind); nil: nothing. It runs on the
	// keeper's goroutine and must not block.
	Removed func(spool.Removal)
}

// DefaultAgeEvery is how often a daemon or caller applies the age
// limits: often enough next to the week the shortest defaults allow.
const DefaultAgeEvery = time.Hour

// AgeOptions are the pass the config's limits make, at now: every node
// directory in the spool, and the incoming directories of every
// neighbour and area for what toss leaves there.
func AgeOptions(c *cfg.Config, now time.Time, log *slog.Logger) spool.AgeOptions {
	var incoming []string
	for _, name := range sortedNames(c.Neigh) {
		incoming = append(incoming, c.Neigh[name].Incoming)
	}
	for _, name := range sortedNames(c.Areas) {
		incoming = append(incoming, c.Areas[name].Incoming)
	}
	return spool.AgeOptions{Now: now, Log: log, Incoming: incoming,
		Limit: func(node packet.ID, k spool.AgeKind) time.Duration { return c.MaxAge(node, string(k)) }}
}

func sortedNames[T any](m map[string]T) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Run makes passes until ctx ends.
func (k *AgeKeeper) Run(ctx context.Context) {
	clock := clockOr(k.Clock)
	log := k.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	every := k.Every
	if every <= 0 {
		every = DefaultAgeEvery
	}
	for {
		now := clock.Now()
		o := AgeOptions(k.Cfg, now, log)
		o.Removed = k.Removed
		res, err := k.Spool.ApplyAges(ctx, o)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("age pass failed", "who", "gc", "removed", res.Removed, "err", err)
		case res.Removed > 0 || res.Skipped > 0:
			log.Info("age pass", "who", "gc", "removed", res.Removed, "skipped", res.Skipped, "expired", res.Expired)
		}
		if k.Also != nil && ctx.Err() == nil {
			k.Also(ctx, now)
		}
		select {
		case <-ctx.Done():
			return
		case <-clock.After(every):
		}
	}
}

// start runs the keeper (when there is one) on a goroutine until ctx
// ends; the function it returns stops it and waits.
func (k *AgeKeeper) start(ctx context.Context, fallback Clock) (stop func()) {
	if k == nil {
		return func() {}
	}
	kk := *k
	if kk.Clock == nil {
		kk.Clock = fallback
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		kk.Run(ctx)
	}()
	return func() { cancel(); <-done }
}
