package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReceiptsKillTossAnywhere: carol's toss is killed at random moments
// while it delivers files and runs commands and queues their receipts.
// When it has finished, every message is delivered once, every command
// ran once, and every receipt reaches alice: each of her records ends
// delivered. (The kill moments vary; what is checked holds for any.)
func TestReceiptsKillTossAnywhere(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	// carol's cat handler appends, so a command run twice shows.
	b, _ := os.ReadFile(l.cfg("carol"))
	mustWrite(t, l.cfg("carol"), []byte(strings.ReplaceAll(string(b), "cat > "+l.dir+"/out", "cat >> "+l.dir+"/out")), 0o600)
	const n = 6
	var ids []string
	for i := range n {
		src := l.path(fmt.Sprintf("src%d", i))
		mustWrite(t, src, []byte(fmt.Sprintf("file %d\n", i)), 0o644)
		ids = append(ids, printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", src, fmt.Sprintf("carol:f%d", i))))
		ids = append(ids, printedID(t, l.ferry(t, "alice", []byte(fmt.Sprintf("line %d\n", i)), "exec", "--print-id", "carol", "cat")))
	}
	l.xferHop(t, "alice", "bob")
	medium := l.path("medium-bob-carol")
	mustMkdirAll(t, medium)
	l.ferry(t, "bob", nil, "xfer", "--mkdir", "--tx", medium)
	l.ferry(t, "carol", nil, "xfer", "--rx", medium)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 13))
	for kills := 0; kills < 20 && l.count(l.queue("carol", "bob", "rx")) > 0; kills++ {
		cmd := exec.Command(ferryBin, "toss", "--cfg", l.cfg("carol"), "--quiet", "--seen")
		cmd.Env = append(os.Environ(), "NNCPCFG=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		killWait(t, cmd)
	}
	l.ferry(t, "carol", nil, "toss", "--seen") // the rest, uninterrupted
	if left := l.count(l.queue("carol", "bob", "rx")); left != 0 {
		t.Fatalf("%d packets left in carol's rx", left)
	}
	out := l.read(t, "out")
	for i := range n {
		if c := strings.Count(out, fmt.Sprintf("line %d\n", i)); c != 1 {
			t.Errorf("command %d ran %d times", i, c)
		}
		if got := l.read(t, "carol", "incoming", fmt.Sprintf("f%d", i)); got != fmt.Sprintf("file %d\n", i) {
			t.Errorf("f%d: %q", i, got)
		}
	}
	var names, proofs []string
	ents, _ := os.ReadDir(l.path("carol", "incoming"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".ferry.") && strings.HasSuffix(e.Name(), ".tmp") {
			// A delivery proof: one a --seen toss killed between the
			// seen marker and the packet's removal left goes when the
			// rerun drops the packet as a duplicate.
			proofs = append(proofs, e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	if len(proofs) > 0 {
		t.Errorf("delivery proofs left in carol's incoming: %q", proofs)
	}
	if len(names) != n {
		t.Errorf("carol's incoming holds %q, want f0..f%d (none twice)", names, n-1)
	}
	l.xferHop(t, "carol", "bob")
	l.xferHop(t, "bob", "alice")
	rows := l.track(t, "alice", ids...)
	for _, id := range ids {
		if rows[id].State != "delivered" {
			t.Errorf("%s: %+v, want delivered", id, rows[id])
		}
	}
}
