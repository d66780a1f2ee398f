package main

import (
	"context"
	"errors"
	"sync"

	"github.com/spf13/pflag"

	"ferry/packet"
	"ferry/toss"
)

// autoTossFlags are the --autotoss options of daemon, call and caller:
// call and toss do not know each other, so the command wires a toss run
// into the session as a hook.
type autoTossFlags struct {
	on, seen, noFile, noFreq, noExec, noTrns, noArea, genACK bool
}

func addAutoTossFlags(fs *pflag.FlagSet) *autoTossFlags {
	a := &autoTossFlags{}
	fs.BoolVar(&a.on, "autotoss", false, "toss received packets every second during the session")
	fs.BoolVar(&a.seen, "autotoss-seen", false, "with --autotoss: keep seen markers")
	fs.BoolVar(&a.noFile, "autotoss-nofile", false, "with --autotoss: leave file packets")
	fs.BoolVar(&a.noFreq, "autotoss-nofreq", false, "with --autotoss: leave freq packets")
	fs.BoolVar(&a.noExec, "autotoss-noexec", false, "with --autotoss: leave exec packets")
	fs.BoolVar(&a.noTrns, "autotoss-notrns", false, "with --autotoss: leave trns packets")
	fs.BoolVar(&a.noArea, "autotoss-noarea", false, "with --autotoss: leave area packets")
	fs.BoolVar(&a.genACK, "autotoss-gen-ack", false, "with --autotoss: answer tossed packets with ACKs")
	return a
}

// hook returns the per-second toss, or nil when --autotoss is off. It
// tosses under ctx, the command's context from main, so Ctrl-C stops a
// toss under way as it stops the session.
func (a *autoTossFlags) hook(ctx context.Context, e *localNode) func() {
	if !a.on {
		return nil
	}
	opt := toss.Options{Seen: a.seen, GenACK: a.genACK, Log: e.log, Umask: e.umask}
	for _, s := range []struct {
		on bool
		t  packet.Type
	}{{a.noFile, packet.TypeFile}, {a.noFreq, packet.TypeFreq}, {a.noExec, packet.TypeExec}, {a.noExec, packet.TypeExecFat}, {a.noTrns, packet.TypeTrns}, {a.noArea, packet.TypeArea}} {
		if s.on {
			opt.Skip = opt.Skip.With(s.t)
		}
	}
	var mu sync.Mutex
	return func() {
		if !mu.TryLock() {
			return // the previous toss is still running
		}
		defer mu.Unlock()
		// Toss logged each packet that failed; the round's error says
		// what failed as a whole (no private keys, an unreadable spool).
		if _, err := toss.Toss(ctx, e.sp, e.c, opt); err != nil && !errors.Is(err, toss.ErrSomeFailed) && ctx.Err() == nil {
			e.log.Error("autotoss failed", "who", "autotoss", "err", err)
		}
	}
}
