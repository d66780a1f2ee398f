package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/toss"
)

// autoToss is what a session's tosses do: the part of toss.Options that
// --autotoss-* flags and a calls entry's autotoss-* keys choose. call and
// toss do not know each other, so the command runs the tosses and hands
// the session a hook that asks for one.
type autoToss struct {
	Seen, GenACK bool
	Skip         toss.TypeSet
}

// autoTossFlags are the --autotoss options of daemon, call and caller.
type autoTossFlags struct {
	on bool
	autoToss
}

func addAutoTossFlags(fs *pflag.FlagSet) *autoTossFlags {
	a := &autoTossFlags{}
	fs.BoolVar(&a.on, "autotoss", false, "toss received packets every second during the session")
	fs.BoolVar(&a.Seen, "autotoss-seen", false, "with --autotoss: keep seen markers")
	addSkipFlags(fs, &a.Skip, "autotoss-no", func(kind string) string { return "with --autotoss: leave " + kind + " packets" })
	fs.BoolVar(&a.GenACK, "autotoss-gen-ack", false, "with --autotoss: answer tossed packets with ACKs")
	return a
}

// or is a toss that does what a or b asks: a kept marker or an ACK if
// either keeps or answers, every type that either leaves. This is how
// nncp-caller joins its flags with a calls entry's keys.
func (a autoToss) or(b autoToss) autoToss {
	return autoToss{Seen: a.Seen || b.Seen, GenACK: a.GenACK || b.GenACK, Skip: a.Skip | b.Skip}
}

// entryAutoToss is a calls entry's autotoss-* keys as an autoToss.
func entryAutoToss(e cfg.Call) autoToss {
	return autoToss{Seen: e.AutoTossSeen, Skip: skipSet(map[string]bool{
		"file": e.AutoTossNoFile, "freq": e.AutoTossNoFreq, "exec": e.AutoTossNoExec,
		"trns": e.AutoTossNoTrns, "area": e.AutoTossNoArea, // a calls entry has no autotoss-noack
	})}
}

// autoTosser runs the tosses that sessions ask for, one at a time, on
// its own goroutine, which the command starts and waits for:
//
//	session (every second, at its end) --hook()--> pending set --> toss.Toss
//
// A hook never blocks. Requests for the same kind of toss that arrive
// while one waits or runs are one request: the toss that follows sees
// every packet they asked about.
type autoTosser struct {
	run func(context.Context, autoToss) error

	mu      sync.Mutex
	pending []autoToss // distinct kinds asked for, oldest first
	closed  bool
	wake    chan struct{}
	done    chan struct{}
}

// startAutoToss starts the tossing goroutine; stop, which the command
// defers, runs what is still asked for and waits for it to end. ctx
// ending stops it at once.
func startAutoToss(ctx context.Context, run func(context.Context, autoToss) error, log *slog.Logger) (*autoTosser, func()) {
	a := &autoTosser{run: run, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.loop(ctx, log)
	return a, func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.poke()
		<-a.done
	}
}

// startTosser is startAutoToss tossing e's spool.
func startTosser(ctx context.Context, e *localNode) (*autoTosser, func()) {
	return startCountedTosser(ctx, e, nil)
}

// startCountedTosser is startTosser telling counted (when not nil) each
// toss's result, on the tossing goroutine: daemon --metrics counts them.
func startCountedTosser(ctx context.Context, e *localNode, counted func(toss.Result, error)) (*autoTosser, func()) {
	return startAutoToss(ctx, func(ctx context.Context, a autoToss) error {
		res, err := toss.Toss(ctx, e.sp, e.c, toss.Options{Seen: a.Seen, GenACK: a.GenACK, Skip: a.Skip, Log: e.log, Umask: e.umask,
			Claimer: claimerPath()})
		if counted != nil {
			counted(res, err)
		}
		return err
	}, e.log)
}

// hook returns the session's AutoToss for kind k.
func (a *autoTosser) hook(k autoToss) func() { return func() { a.request(k) } }

func (a *autoTosser) request(k autoToss) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	for _, p := range a.pending {
		if p == k {
			return // coalesced with the one already waiting
		}
	}
	a.pending = append(a.pending, k)
	a.poke()
}

func (a *autoTosser) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *autoTosser) loop(ctx context.Context, log *slog.Logger) {
	defer close(a.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		for {
			a.mu.Lock()
			if len(a.pending) == 0 {
				closed := a.closed
				a.mu.Unlock()
				if closed {
					return
				}
				break
			}
			k := a.pending[0]
			a.pending = a.pending[1:]
			a.mu.Unlock()
			switch err := a.run(ctx, k); {
			case err == nil || ctx.Err() != nil:
			case errors.Is(err, toss.ErrSomeFailed):
				log.Debug("autotoss left packets", "who", "autotoss", "err", err) // each logged by toss
			default:
				log.Error("autotoss failed", "who", "autotoss", "err", err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	}
}
