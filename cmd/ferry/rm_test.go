package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// TestRmRemovesOnlyWhatItSays: --dryrun lists a packet and keeps it,
// --older keeps packets younger than the age, --pkt removes just the
// packet named.
func TestRmRemovesOnlyWhatItSays(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("x"), []byte("x\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("x"), "bob:a")
	l.ferry(t, "alice", nil, "file", l.path("x"), "bob:b")
	tx := l.queue("alice", "bob", "tx")
	var names []string
	ents, _ := os.ReadDir(tx)
	for _, e := range ents {
		if packet.IsPacketName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) != 2 {
		t.Fatalf("%d packets queued, want 2", len(names))
	}
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		left  []string
	}{
		{"dry run of --pkt", names[0] + "\n", []string{"rm", "--pkt", "--dryrun"}, names},
		{"--pkt of a young packet with --older", names[0] + "\n", []string{"rm", "--pkt", "--older", "1h"}, names},
		{"--tx of young packets with --older", "", []string{"rm", "--node", "bob", "--tx", "--older", "1h"}, names},
		{"dry run of --tx", "", []string{"rm", "--node", "bob", "--tx", "--dryrun"}, names},
		{"--pkt", names[0] + "\n", []string{"rm", "--pkt"}, names[1:]},
		{"--tx", "", []string{"rm", "--node", "bob", "--tx"}, nil},
	} {
		var stdin []byte
		if c.stdin != "" {
			stdin = []byte(c.stdin)
		}
		r := l.ferry(t, "alice", stdin, c.args...)
		if n := l.count(tx); n != len(c.left) {
			t.Errorf("%s: %d packets left, want %d", c.name, n, len(c.left))
		}
		for _, name := range c.left {
			if _, err := os.Stat(filepath.Join(tx, name)); err != nil {
				t.Errorf("%s removed %s", c.name, name)
			}
		}
		if strings.HasPrefix(c.name, "dry run") && !strings.Contains(string(r.stdout), names[0]) {
			t.Errorf("%s does not list %s:\n%s", c.name, names[0], r.stdout)
		}
	}
}

// TestRmSaysWhatItLeaves: a file named as a packet that is not one is
// not removed by --tx, and rm says so and exits 1 instead of passing it
// over in silence.
func TestRmSaysWhatItLeaves(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	tx := l.queue("alice", "bob", "tx")
	if err := os.MkdirAll(tx, 0o755); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(tx, strings.Repeat("A", 52))
	if err := os.WriteFile(junk, []byte("not a packet"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := ferry(t, nil, "rm", "--cfg", l.cfg("alice"), "--quiet", "--node", "bob", "--tx")
	if r.code != 1 || !strings.Contains(string(r.stderr), "not a packet, not removed") {
		t.Fatalf("rm --tx beside a damaged file: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(junk); err != nil {
		t.Fatalf("the damaged file is gone: %v", err)
	}
}
