package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/spool/journal"
)

// rm writes its log records and stderr lines a batch (rmHold) at a
// time: a removal of more packets than a batch, and not a whole number
// of batches, still logs every packet removed once, and says so on
// stderr once each, the last part batch included.
func TestRmLogsEveryPacketWhenHeld(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("x"), []byte(strings.Repeat("x", (rmHold+88)<<10)), 0o644)
	l.ferry(t, "alice", nil, "file", "--chunked", "1", l.path("x"), "bob:x")
	tx := l.queue("alice", "bob", "tx")
	n := l.count(tx)
	if n <= rmHold || n%rmHold == 0 {
		t.Fatalf("%d packets queued: want more than %d, not a multiple", n, rmHold)
	}
	logBefore := countRemoved(t, l.path("alice", "log"))
	r := ferry(t, nil, "rm", "--cfg", l.cfg("alice"), "--node", "bob", "--tx")
	if r.code != 0 {
		t.Fatalf("rm: exit %d\n%s", r.code, r.stderr)
	}
	if left := l.count(tx); left != 0 {
		t.Fatalf("%d packets left", left)
	}
	if got := countRemoved(t, l.path("alice", "log")) - logBefore; got != n {
		t.Errorf("%d removal records in the log, want %d", got, n)
	}
	lines := strings.Count(string(r.stderr), "removed path=")
	if lines != n {
		t.Errorf("%d removal lines on stderr, want %d", lines, n)
	}
	if want := "\n" + strconv.Itoa(n) + " removed\n"; !strings.HasSuffix(string(r.stderr), want) {
		t.Errorf("stderr does not end with the count %q after the lines", want)
	}
}

func countRemoved(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	n := 0
	if err := journal.Read(f, func(r journal.Record) error {
		if r.Get("Msg") == "removed" && r.Get("Who") == "rm" {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
