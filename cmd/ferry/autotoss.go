package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
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
	for _, s := range []struct {
		name  string
		types []packet.Type
	}{{"file", []packet.Type{packet.TypeFile}}, {"freq", []packet.Type{packet.TypeFreq}},
		{"exec", []packet.Type{packet.TypeExec, packet.TypeExecFat}}, {"trns", []packet.Type{packet.TypeTrns}},
		{"area", []packet.Type{packet.TypeArea}}, {"ack", []packet.Type{packet.TypeACK}}} {
		fs.VarPF(&skipFlag{set: &a.Skip, types: s.types}, "autotoss-no"+s.name, "", "with --autotoss: leave "+s.name+" packets").NoOptDefVal = "true"
	}
	fs.BoolVar(&a.GenACK, "autotoss-gen-ack", false, "with --autotoss: answer tossed packets with ACKs")
	return a
}

// or is a toss that does what a or b asks: a kept marker or an ACK if
// either keeps or answers, every type that either leaves. This is how
// nncp-caller joins its flags with a calls entry's keys.
func (a autoToss) or(b autoToss) autoToss {
	return autoToss{Seen: a.Seen || b.Seen, GenACK: a.GenACK || b.GenACK, Skip: a.Skip | b.Skip}
}

// skipFlag is a boolean flag that puts its packet types in a skip set.
type skipFlag struct {
	set   *toss.TypeSet
	types []packet.Type
}

func (f *skipFlag) String() string {
	return strconv.FormatBool(f.set != nil && len(f.types) > 0 && f.set.Has(f.types[0]))
}

func (f *skipFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	for _, t := range f.types {
		if on {
			*f.set = f.set.With(t)
		} else {
			*f.set &^= toss.TypeSet(0).With(t)
		}
	}
	return nil
}

func (f *skipFlag) Type() string { return "bool" }

// entryAutoToss is a calls entry's autotoss-* keys as an autoToss.
func entryAutoToss(e cfg.Call) autoToss {
	a := autoToss{Seen: e.AutoTossSeen}
	for _, s := range []struct {
		on    bool
		types []packet.Type
	}{{e.AutoTossNoFile, []packet.Type{packet.TypeFile}}, {e.AutoTossNoFreq, []packet.Type{packet.TypeFreq}},
		{e.AutoTossNoExec, []packet.Type{packet.TypeExec, packet.TypeExecFat}}, {e.AutoTossNoTrns, []packet.Type{packet.TypeTrns}},
		{e.AutoTossNoArea, []packet.Type{packet.TypeArea}}} {
		if s.on {
			for _, t := range s.types {
				a.Skip = a.Skip.With(t)
			}
		}
	}
	return a
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
		res, err := toss.Toss(ctx, e.sp, e.c, toss.Options{Seen: a.Seen, GenACK: a.GenACK, Skip: a.Skip, Log: e.log, Umask: e.umask})
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
