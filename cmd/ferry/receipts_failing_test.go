package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestReceiptFailingHandler: alice's command for carol, via bob, meets a
// handler that exits 3. carol's config allows 3 attempts with no
// backoff: the first two tosses leave the packet in rx with nothing sent
// back (not settled yet; alice's record stays sent), the third sets it
// aside and queues the receipt, and alice's ferry track ends failed with
// the exit status and the count, with no manual step.
func TestReceiptFailingHandler(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	b, _ := os.ReadFile(l.cfg("carol"))
	mustWrite(t, l.cfg("carol"), []byte(strings.Replace(string(b), "{", "{\n  ferry-exec-attempts: 3\n  ferry-exec-backoff: 0s", 1)), 0o600)
	mustWrite(t, l.path("handler.sh"), []byte("#!/bin/sh\necho over quota >&2\nexit 3\n"), 0o755)
	id := printedID(t, l.ferry(t, "alice", []byte("mail"), "exec", "--print-id", "carol", "handler", "x"))
	l.xferHop(t, "alice", "bob")
	medium := l.path("medium-bob-carol")
	mustMkdirAll(t, medium)
	l.ferry(t, "bob", nil, "xfer", "--mkdir", "--tx", medium)
	l.ferry(t, "carol", nil, "xfer", "--rx", medium)
	for try := 1; try <= 3; try++ {
		if n := l.count(l.queue("carol", "bob", "rx")); n != 1 {
			t.Fatalf("before try %d: %d packets in carol's rx, want the command", try, n)
		}
		r := ferry(t, nil, "toss", "--cfg", l.cfg("carol"), "--quiet")
		want := "attempt " + string(rune('0'+try)) + " of 3"
		if try == 3 {
			want = "set aside"
		}
		if r.code != 1 || !strings.Contains(string(r.stderr), want) {
			t.Fatalf("try %d: exit %d, want 1 saying %q:\n%s", try, r.code, want, r.stderr)
		}
		if try == 1 {
			// The attempts record beside the packet is no trouble to
			// the tools that read the queue, ferry's or NNCP's.
			l.ferry(t, "carol", nil, "check")
			l.ferry(t, "carol", nil, "stat")
			if _, err := exec.LookPath("nncp-stat"); err == nil {
				if out := string(l.nncp(t, "carol", nil, "nncp-stat")); !strings.Contains(out, "1 pkts") {
					t.Errorf("nncp-stat: %q", out)
				}
			}
		}
		if n := l.count(l.queue("carol", "bob", "tx")); try < 3 && n != 0 {
			t.Fatalf("after try %d carol queued %d packets back for a command not settled", try, n)
		}
	}
	if n := l.count(l.queue("carol", "bob", "rx")); n != 0 {
		t.Fatalf("%d packets left in carol's rx after the last attempt", n)
	}
	if n := l.count(l.path("carol", "spool", l.ids["bob"], "rx", "bad")); n != 1 {
		t.Errorf("%d packets set aside, want the command", n)
	}
	if row := l.track(t, "alice", id)[id]; row.State != "sent" {
		t.Errorf("before the receipt: %+v, want sent", row)
	}
	l.xferHop(t, "carol", "bob")
	l.xferHop(t, "bob", "alice")
	row := l.track(t, "alice", id)[id]
	if row.State != "failed" || row.Status == nil || *row.Status != 3 || !strings.Contains(row.Reason, "handler exited 3 after 3 attempts") {
		t.Errorf("after the receipt: %+v (status %v), want failed: handler exited 3 after 3 attempts", row, row.Status)
	}
	out := string(l.ferry(t, "alice", nil, "track", id).stdout)
	if !strings.Contains(out, "failed") || !strings.Contains(out, "exit 3") {
		t.Errorf("ferry track: %q", out)
	}
}
