package toss_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// atMessage is a slog handler that runs fn, on the logging goroutine,
// at each record whose message is msg.
type atMessage struct {
	msg string
	fn  func()
}

func (h atMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h atMessage) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h atMessage) WithGroup(string) slog.Handler            { return h }
func (h atMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.fn()
	}
	return nil
}

// TestSeenTossCleansBeforeRemoving: with a seen marker, a file's delivery
// proof goes before the packet is removed. A --seen toss killed between
// the removal and the proof's removal left the proof in incoming for good
// (TestReceiptsKillTossAnywhere's 'delivery proofs left'): no packet was
// left for the next run to drop as a duplicate, with its leftovers. Here
// the removal is made to fail, as a kill at that point would stop it:
// the proof must be gone by then.
func TestSeenTossCleansBeforeRemoving(t *testing.T) {
	l := newLab(t)
	writeScript(t, l.path("src"), "once\n")
	if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "bob"), l.path("src"), "f.txt", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	id := l.jobs(t, "bob", "alice", spool.RX)[0].ID
	pkt := filepath.Join(l.rxDir("bob", "alice"), id.String())
	// Once the packet is read and delivered ("tossed" is logged before
	// its receipt, marker and removal), its name becomes a directory
	// that cannot be unlinked: the removal fails there.
	stop := func() {
		if err := os.Remove(pkt); err != nil {
			t.Error(err)
		}
		if err := os.MkdirAll(filepath.Join(pkt, "x"), 0o755); err != nil {
			t.Error(err)
		}
	}
	_, err := toss.Toss(t.Context(), l.spool["bob"], l.cfgs["bob"], toss.Options{Seen: true, Log: slog.New(atMessage{"tossed", stop})})
	if err == nil {
		t.Fatal("toss succeeded though the packet could not be removed")
	}
	inc := l.cfgs["bob"].Neigh["alice"].Incoming
	ents, err := os.ReadDir(inc)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "f.txt" {
		t.Errorf("incoming holds %q when the removal failed, want f.txt alone (its proof removed first)", names)
	}
	if !l.spool["bob"].Seen(l.id("alice"), id) {
		t.Error("no seen marker: the next run would not drop the packet as a duplicate")
	}
}
