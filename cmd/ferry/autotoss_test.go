package main

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss"
)

// TestAutoTosserOneAtATime: tosses run one at a time on the tosser's
// goroutine; asking never waits for a toss; asks that come while a toss
// runs are not lost but coalesced into one more toss of their kind; stop
// runs what is still asked for. (The TryLock hook it replaces dropped
// an ask made during a toss, the end-of-session one among them, and each
// session had its own lock, so sessions tossed at once.)
func TestAutoTosserOneAtATime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var ran []autoToss
	running, most := 0, 0
	first := make(chan struct{})
	release := make(chan struct{})
	run := func(ctx context.Context, k autoToss) error {
		mu.Lock()
		running++
		most = max(most, running)
		n := len(ran)
		ran = append(ran, k)
		mu.Unlock()
		if n == 0 {
			close(first)
			<-release // the first toss is slow
		}
		mu.Lock()
		running--
		mu.Unlock()
		return nil
	}
	a, stop := startAutoToss(context.Background(), run, slog.New(slog.DiscardHandler))
	plain, seen := autoToss{}, autoToss{Seen: true}
	a.hook(plain)()
	<-first
	asked := make(chan struct{})
	go func() {
		defer close(asked)
		for range 3 {
			a.hook(plain)()
			a.hook(seen)()
		}
	}()
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("asking for a toss waited for the one running")
	}
	close(release)
	stop()
	if most != 1 {
		t.Errorf("%d tosses at once, want 1", most)
	}
	if len(ran) != 3 || ran[1] != plain || ran[2] != seen {
		t.Errorf("tosses %+v, want the first, then one plain and one seen for the six asks made meanwhile", ran)
	}
	a.hook(plain)() // after stop: ignored, and no goroutine to run it
	if len(ran) != 3 {
		t.Errorf("a toss ran after stop")
	}
}

// TestAutoTossOneShape: the --autotoss-* flags and a calls entry's
// autotoss-* keys make the same autoToss, whose Skip is toss's own set
// (exec covers exec-fat too).
func TestAutoTossOneShape(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("call", pflag.ContinueOnError)
	at := addAutoTossFlags(fs)
	if err := fs.Parse([]string{"--autotoss", "--autotoss-seen", "--autotoss-noexec", "--autotoss-noarea", "--autotoss-nofile=false"}); err != nil {
		t.Fatal(err)
	}
	want := autoToss{Seen: true, Skip: toss.TypeSet(0).With(packet.TypeExec).With(packet.TypeExecFat).With(packet.TypeArea)}
	if !at.on || at.autoToss != want {
		t.Errorf("flags: on %v, %+v, want %+v", at.on, at.autoToss, want)
	}
	if got := entryAutoToss(cfg.Call{AutoToss: true, AutoTossSeen: true, AutoTossNoExec: true, AutoTossNoArea: true}); got != want {
		t.Errorf("calls entry: %+v, want %+v", got, want)
	}
}

// TestAutoTossFlagsJoinEntry: caller's --autotoss-* flags and a calls
// entry's keys join as nncp-caller joins them: each kept marker, answer
// or skipped type that either asks for. --autotoss-noack leaves ACKs.
func TestAutoTossFlagsJoinEntry(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("caller", pflag.ContinueOnError)
	at := addAutoTossFlags(fs)
	if err := fs.Parse([]string{"--autotoss-noack", "--autotoss-gen-ack"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		entry cfg.Call
		want  autoToss
	}{
		{cfg.Call{}, autoToss{GenACK: true, Skip: toss.TypeSet(0).With(packet.TypeACK)}},
		{cfg.Call{AutoTossSeen: true, AutoTossNoFile: true},
			autoToss{Seen: true, GenACK: true, Skip: toss.TypeSet(0).With(packet.TypeACK).With(packet.TypeFile)}},
	} {
		if got := entryAutoToss(c.entry).or(at.autoToss); got != c.want {
			t.Errorf("entry %+v with the flags: %+v, want %+v", c.entry, got, c.want)
		}
	}
}
