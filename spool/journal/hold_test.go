package journal_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/spool/journal"
)

// Under Hold, records reach the file a batch at a time, every one of
// them and in order: none while fewer than the batch are held, all of
// them after Flush; an error record is written at once, with the ones
// held before it.
func TestHoldBatchesRecords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	h, err := journal.Open(p, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := func() []string {
		t.Helper()
		f, err := os.Open(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }() // read only
		var paths []string
		if err := journal.Read(f, func(r journal.Record) error { paths = append(paths, r.Get("Path")); return nil }); err != nil {
			t.Fatal(err)
		}
		return paths
	}
	if err := h.Hold(100); err != nil {
		t.Fatal(err)
	}
	log := slog.New(h).With("who", "rm")
	for i := range 250 {
		log.Info("removed", "path", strconv.Itoa(i))
		if got, want := len(count()), (i+1)/100*100; got != want {
			t.Fatalf("after %d records: %d in the file, want %d", i+1, got, want)
		}
	}
	log.Error("remove failed", "path", "250", "err", errors.New("boom"))
	if got := len(count()); got != 251 {
		t.Fatalf("an error record is held: %d records in the file, want 251", got)
	}
	for i := 251; i < 260; i++ {
		log.Info("removed", "path", strconv.Itoa(i))
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	paths := count()
	if len(paths) != 260 {
		t.Fatalf("%d records after Flush, want 260", len(paths))
	}
	for i, p := range paths {
		if p != strconv.Itoa(i) {
			t.Fatalf("record %d is path %q: out of order", i, p)
		}
	}
	if err := h.Hold(0); err != nil {
		t.Fatal(err)
	}
	log.Info("removed", "path", "260")
	if got := len(count()); got != 261 {
		t.Fatalf("after Hold(0): %d records, want 261", got)
	}
}

// A held record waits for its batch at most holdAtMost (a second), by the
// records' own times, so that a SIGKILL loses no more than that.
func TestHoldWritesOldRecords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	h, err := journal.Open(p, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Hold(100); err != nil {
		t.Fatal(err)
	}
	lines := func() int {
		t.Helper()
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "Msg: removed")
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i, at := range []time.Duration{0, 300 * time.Millisecond, 900 * time.Millisecond} {
		if err := h.Handle(context.Background(), slog.NewRecord(t0.Add(at), slog.LevelInfo, "removed", 0)); err != nil {
			t.Fatal(err)
		}
		if n := lines(); n != 0 {
			t.Fatalf("record %d, %v after the first: %d written, want them held", i, at, n)
		}
	}
	if err := h.Handle(context.Background(), slog.NewRecord(t0.Add(1100*time.Millisecond), slog.LevelInfo, "removed", 0)); err != nil {
		t.Fatal(err)
	}
	if n := lines(); n != 4 {
		t.Fatalf("a record 1.1 s after the oldest held: %d written, want all 4", n)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
}
