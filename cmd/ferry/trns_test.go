package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrnsPacketFileRecipientFromHeader: nncp-trns's second form, a
// packet file and --via: the recipient is read from the packet's header
// (ferry used to want --node, and without it took the path for
// NODE:PKT); without --via the recipient's configured via is used.
func TestTrnsPacketFileRecipientFromHeader(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	src := l.path("letter.txt")
	mustWrite(t, src, []byte("for carol\n"), 0o644)
	// A packet for carol sent directly (no via), then taken out of the
	// spool as a file someone hands us.
	l.ferry(t, "alice", nil, "file", "--via", "-", src, "carol:")
	q := l.queue("alice", "carol", "tx")
	ents, _ := os.ReadDir(q)
	var pkt string
	for _, e := range ents {
		if !e.IsDir() {
			pkt = filepath.Join(l.dir, e.Name())
			if err := os.Rename(filepath.Join(q, e.Name()), pkt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if pkt == "" {
		t.Fatal("no packet queued for carol")
	}
	// No --via: carol's configured via (bob), as nncp-trns takes it.
	r := l.ferry(t, "alice", nil, "trns", "--print-id", pkt)
	if n := l.count(l.queue("alice", "bob", "tx")); n != 1 || len(strings.TrimSpace(string(r.stdout))) != 52 {
		t.Fatalf("trns: %d packets for bob, printed %q", n, r.stdout)
	}
	// A --node that is not the header's recipient is refused.
	if r := ferry(t, nil, "trns", "--cfg", l.cfg("alice"), "--via", "bob", "--node", "bob", pkt); r.code != 1 || !strings.Contains(string(r.stderr), "addressed to carol") {
		t.Errorf("trns --node bob for carol's packet: exit %d %s", r.code, r.stderr)
	}
	// bob tosses the transit packet into a packet for carol.
	l.carry(t, "alice", "bob")
	l.ferry(t, "bob", nil, "toss")
	l.carry(t, "bob", "carol")
	l.ferry(t, "carol", nil, "toss")
	if got := l.read(t, "carol", "incoming", "letter.txt"); got != "for carol\n" {
		t.Errorf("carol got %q", got)
	}
}
