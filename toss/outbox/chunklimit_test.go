package outbox_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/toss/outbox"
)

// A chunked send that would make more packets than MaxChunks is refused
// before it queues anything when the size is known, and takes back what
// it queued when a stream runs past the limit.
func TestChunkLimit(t *testing.T) {
	l := newLab(t)
	ob := l.outbox("alice")
	bob := l.cfgs["alice"].Neigh["bob"]
	src := filepath.Join(l.dir, "src")
	if err := os.WriteFile(src, bytes.Repeat([]byte{7}, 10*1024), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		src       string
		max       int
		wantCount int64 // 0: accepted
		atLeast   bool
	}{
		{"file over the limit", src, 10, 11, false},    // 10 chunks + meta
		{"file at the limit", src, 11, 0, false},       // exactly 11 packets
		{"stream over the limit", "-", 5, 6, true},     // stops at the 6th packet
		{"stream within the limit", "-", 11, 0, false}, // 10 chunks + meta
		{"no limit", src, 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := countTx(t, l.spool["alice"], bob.ID)
			opt := outbox.FileOptions{Chunked: 1024, MaxChunks: c.max, Stdin: bytes.NewReader(bytes.Repeat([]byte{7}, 10*1024))}
			qs, err := ob.File(t.Context(), outbox.Dest{Node: bob}, c.src, "big", opt)
			added := countTx(t, l.spool["alice"], bob.ID) - before
			if c.wantCount == 0 {
				if err != nil || len(qs) != 11 || added != 11 {
					t.Fatalf("queued %d (%d listed): %v, want 11", len(qs), added, err)
				}
				return
			}
			var tm *outbox.TooManyChunksError
			if !errors.As(err, &tm) || tm.Count != c.wantCount || tm.AtLeast != c.atLeast || tm.Max != c.max {
				t.Fatalf("got %v (%+v), want %d packets refused", err, tm, c.wantCount)
			}
			if len(qs) != 0 || added != 0 {
				t.Fatalf("a refused send left %d packets queued (%d returned)", added, len(qs))
			}
		})
	}
}
