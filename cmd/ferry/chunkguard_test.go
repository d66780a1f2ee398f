package main

import (
	"os"
	"strings"
	"testing"
)

// TestChunkedSendAsksForForce: a --chunked 1 of a 12 MiB file would queue
// 12,289 packets; ferry refuses, says how many, hints at --force, and
// queues nothing. A chunk size that makes few packets needs no --force.
func TestChunkedSendAsksForForce(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	src := l.path("big")
	if err := os.WriteFile(src, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(src, 12<<20); err != nil {
		t.Fatal(err)
	}
	r := l.run(t, "alice", nil, "file", "--chunked", "1", src, "bob:big")
	if r.code != 1 || errorLines(r.stderr, "12289 packets") != 1 || !strings.Contains(string(r.stderr), "--force") {
		t.Fatalf("exit %d, want 1 with the packet count and a --force hint:\n%s", r.code, r.stderr)
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 0 {
		t.Fatalf("a refused send queued %d packets", n)
	}
	l.ferry(t, "alice", nil, "file", "--chunked", "4096", src, "bob:big")
	if n := l.count(l.queue("alice", "bob", "tx")); n != 4 { // 3 chunks + meta
		t.Fatalf("%d packets queued, want 4", n)
	}
}
