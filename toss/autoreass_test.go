package toss_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/toss"
)

// TestReassUnlistableIncomingFails: an incoming directory that cannot be
// walked (here a path through a regular file) hides its chunked files
// from every toss, so the toss says so and fails instead of passing it
// over in silence.
func TestReassUnlistableIncomingFails(t *testing.T) {
	l := newLab(t)
	blocker := l.path("not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l.node("bob", "alice").Incoming = filepath.Join(blocker, "incoming")
	res, err := l.toss(t, "bob", toss.Options{Reass: true})
	if !errors.Is(err, toss.ErrSomeFailed) || res.Failed != 1 {
		t.Fatalf("toss: %v, %d failed; want ErrSomeFailed and 1", err, res.Failed)
	}
	if log := l.logs["bob"].String(); !strings.Contains(log, "cannot list an incoming directory") || !strings.Contains(log, "not a directory") {
		t.Fatalf("log does not say what failed and why:\n%s", log)
	}
}
