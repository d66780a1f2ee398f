package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReceiptsKillCallsAnywhere: the messages alice sends carol through
// bob, and their receipts coming back, travel by calls to bob's ferry
// daemon on 127.0.0.1, and about half the calls are cut by a SIGKILL of
// the caller or of the daemon at a random moment, on the trip out and on
// the receipts' trip back; carol's toss is killed once a round as well. After every round: nothing alice's ferry track
// calls delivered is missing at carol, and no command ran twice. Then
// clean trips (bounded) must settle every message: each file and command
// delivered exactly once, the unlisted command failed, nothing left in
// any queue. (The kill moments vary; what is checked holds for any.)
func TestReceiptsKillCallsAnywhere(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	b, _ := os.ReadFile(l.cfg("carol"))
	mustWrite(t, l.cfg("carol"), []byte(strings.ReplaceAll(string(b), "cat > "+l.dir+"/out", "cat >> "+l.dir+"/out")), 0o600)
	const n = 3
	files, execs := map[string]int{}, map[string]int{}
	for i := range n {
		src := l.path(fmt.Sprintf("src%d", i))
		body := []byte(fmt.Sprintf("file %d\n", i))
		if i == 0 {
			body = append(body, make([]byte, 3<<20)...) // one that takes a while, so kills land inside transfers
		}
		mustWrite(t, src, body, 0o644)
		files[printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", src, fmt.Sprintf("carol:f%d", i)))] = i
		execs[printedID(t, l.ferry(t, "alice", []byte(fmt.Sprintf("line %d\n", i)), "exec", "--print-id", "carol", "cat"))] = i
	}
	bad := printedID(t, l.ferry(t, "alice", []byte("x"), "exec", "--print-id", "carol", "nosuch"))

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	k := &receiptKills{t: t, l: l, rng: rand.New(rand.NewPCG(seed, 31))}
	check := func(when string) {
		t.Helper()
		out, _ := os.ReadFile(l.path("out"))
		for i := range n {
			if c := strings.Count(string(out), fmt.Sprintf("line %d\n", i)); c > 1 {
				t.Fatalf("%s: command %d ran %d times", when, i, c)
			}
		}
		for id, row := range l.track(t, "alice") {
			if row.State != "delivered" {
				continue
			}
			if i, ok := files[id]; ok {
				if b, err := os.ReadFile(l.path("carol", "incoming", fmt.Sprintf("f%d", i))); err != nil || !strings.HasPrefix(string(b), fmt.Sprintf("file %d\n", i)) {
					t.Fatalf("%s: file %d is delivered in alice's track, but carol has %.20q, %v", when, i, b, err)
				}
			} else if i, ok := execs[id]; ok {
				if !strings.Contains(string(out), fmt.Sprintf("line %d\n", i)) {
					t.Fatalf("%s: command %d is delivered in alice's track, but it did not run", when, i)
				}
			} else {
				t.Fatalf("%s: %s (%+v) is delivered", when, id, row)
			}
		}
	}
	for r := range 3 {
		k.trip(true)
		check(fmt.Sprintf("after cut round %d", r))
	}
	settled := func() bool {
		for _, row := range l.track(t, "alice") {
			if row.State != "delivered" && row.State != "failed" {
				return false
			}
		}
		return true
	}
	// The links between them, which the clean trips must empty too: the
	// cut rounds can settle every message while a cut call left copies
	// (of receipts, say) queued at bob, which only a clean trip carries.
	links := [][2]string{{"alice", "bob"}, {"bob", "alice"}, {"bob", "carol"}, {"carol", "bob"}}
	drained := func() bool {
		for _, q := range links {
			if l.count(l.queue(q[0], q[1], "tx")) != 0 {
				return false
			}
		}
		return true
	}
	for r := 0; r < 3 && !(settled() && drained()); r++ {
		k.trip(false)
		check(fmt.Sprintf("after clean round %d", r))
	}
	rows := l.track(t, "alice")
	for id := range files {
		if rows[id].State != "delivered" {
			t.Errorf("file %s: %+v, want delivered", id, rows[id])
		}
	}
	for id := range execs {
		if rows[id].State != "delivered" {
			t.Errorf("command %s: %+v, want delivered", id, rows[id])
		}
	}
	if rows[bad].State != "failed" || !strings.Contains(rows[bad].Reason, `handle "nosuch" is not listed`) {
		t.Errorf("unlisted handle: %+v, want failed naming it", rows[bad])
	}
	out := l.read(t, "out")
	for i := range n {
		if c := strings.Count(out, fmt.Sprintf("line %d\n", i)); c != 1 {
			t.Errorf("command %d ran %d times", i, c)
		}
	}
	if ents, _ := os.ReadDir(l.path("carol", "incoming")); len(ents) < n {
		t.Errorf("carol's incoming holds %d entries, want %d files", len(ents), n)
	}
	for _, q := range links {
		if c := l.count(l.queue(q[0], q[1], "tx")); c != 0 {
			t.Errorf("%s still has %d packets for %s", q[0], c, q[1])
		}
	}
}

// receiptKills runs the calls of TestReceiptsKillCallsAnywhere.
type receiptKills struct {
	t    *testing.T
	l    *netLab
	addr string // the running daemon's
	rng  *rand.Rand
	d    *exec.Cmd // bob's daemon; nil once killed
}

// trip is one full trip: alice calls bob, bob relays, carol calls bob
// twice around her toss (taking the messages, handing over the
// receipts), bob relays, alice calls again and tosses. With cut, each
// call is killed at a random moment with probability one half, and
// carol's toss once before it is run to its end.
func (k *receiptKills) trip(cut bool) {
	k.t.Helper()
	k.call("alice", cut)
	k.l.ferry(k.t, "bob", nil, "toss", "--seen")
	k.call("carol", cut)
	if cut {
		// carol's toss, which runs the commands and queues the
		// receipts, is killed once at a random moment too.
		k.l.killedFerry(k.t, k.rng, "carol", "toss", "--seen")
	}
	k.l.tossAllowRefused(k.t, "carol", "--seen")
	k.call("carol", cut)
	k.l.ferry(k.t, "bob", nil, "toss", "--seen")
	k.call("alice", cut)
	k.l.ferry(k.t, "alice", nil, "toss", "--seen")
}

// call makes node call bob. A cut call has its caller or bob's daemon
// killed within its first 1.5 s (a clean call lasts about 1 s: the
// online deadline).
func (k *receiptKills) call(node string, cut bool) {
	k.t.Helper()
	if k.d == nil {
		k.d, k.addr = startDaemon(k.t, k.l, "ferry", "bob")
	}
	cmd := callCmd(k.l, "ferry", node, "bob", k.addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	if !cut || k.rng.IntN(2) == 0 {
		if err := cmd.Wait(); err != nil && !cut {
			k.t.Fatalf("%s calls bob: %v\n%s", node, err, out.Bytes())
		}
		return
	}
	time.Sleep(time.Duration(k.rng.IntN(1500)) * time.Millisecond)
	if k.rng.IntN(2) == 0 {
		sendSignal(k.t, cmd.Process, os.Kill)
	} else {
		killWait(k.t, k.d)
		k.d = nil
	}
	_ = cmd.Wait() // cut: whether it failed or not, the receipts checked later say what it did
}
