package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestExecKillAnywhere kills `ferry toss` at random moments over a queue
// of small exec packets only, so that kills land while handlers run side
// by side, while ended packets wait for their batch's fsync, and while
// the claimer holds requests toss sent before it died; every command must
// still run exactly once.
func TestExecKillAnywhere(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	if err := os.WriteFile(l.path("handler.sh"), []byte(countingHandler), 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		l.ferry(t, "alice", []byte("mail\n"), "exec", "bob", "handler", fmt.Sprintf("e%d", i))
	}
	l.carry(t, "alice", "bob")
	rng := rand.New(rand.NewPCG(3, 4))
	for kill := 0; kill < 20 && l.count(l.queue("bob", "alice", "rx")) > 0; kill++ {
		cmd := exec.Command(ferryBin, "toss", "--cfg", l.cfg("bob"), "--quiet")
		cmd.Env = append(os.Environ(), "NNCPCFG=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	// A killed toss's claimer holds the queue until the handlers it was
	// asked for have ended: a toss meanwhile skips the queue. Toss until
	// it is empty (bounded).
	for try := 0; try < 100 && l.count(l.queue("bob", "alice", "rx")) > 0; try++ {
		l.ferry(t, "bob", nil, "toss")
		time.Sleep(50 * time.Millisecond)
	}
	if left := l.count(l.queue("bob", "alice", "rx")); left != 0 {
		t.Fatalf("%d packets left", left)
	}
	b, _ := os.ReadFile(l.path("bob", "exec-out", "ran"))
	counts := map[string]int{}
	for _, line := range strings.Fields(string(b)) {
		counts[line]++
	}
	for i := range n {
		if c := counts[fmt.Sprintf("e%d", i)]; c != 1 {
			t.Errorf("exec e%d ran %d times, want 1", i, c)
		}
	}
}

// overlapHandler waits (up to 10 s) for a second handler to be running at
// the same time, and records whether one was.
const overlapHandler = `#!/bin/sh
out=$1; shift
/bin/mkdir -p "$out"
/bin/cat >/dev/null
: >"$out/here.$1"
i=0
while :; do
	set -- "$out"/here.*
	[ $# -ge 2 ] && break
	i=$((i + 1))
	[ $i -gt 100 ] && { echo alone >>"$out/ran"; exit 0; }
	/bin/sleep 0.1
done
echo together >>"$out/ran"
`

// TestExecHandlersOverlap: on a machine with two cores or more, toss
// goes on with the next packet while a handler runs, so two handlers run
// at once; one after the other, each would wait for the other alone.
func TestExecHandlersOverlap(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one core: toss runs one handler at a time")
	}
	t.Parallel()
	l := newNetLab(t)
	if err := os.WriteFile(l.path("handler.sh"), []byte(overlapHandler), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		l.ferry(t, "alice", []byte("mail\n"), "exec", "bob", "handler", fmt.Sprintf("e%d", i))
	}
	l.carry(t, "alice", "bob")
	l.ferry(t, "bob", nil, "toss")
	if got := l.read(t, "bob", "exec-out", "ran"); got != "together\ntogether\n" {
		t.Fatalf("handlers recorded %q, want both to have run at the same time", got)
	}
}

// TestExecJobsOneRunsHandlersAlone: with ferry-exec-jobs: 1 handlers
// run one at a time, as NNCP's do, for handlers that cannot share their
// target; each of the two waits a second for the other and runs alone.
func TestExecJobsOneRunsHandlersAlone(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	// Waiting a second, and leaving no trace for the next one once alone
	// (after the loop's set --, $1 is the one here.* file: its own).
	short := strings.Replace(overlapHandler, `[ $i -gt 100 ] && { echo alone >>"$out/ran"; exit 0; }`,
		`[ $i -gt 10 ] && { echo alone >>"$out/ran"; /bin/rm "$1"; exit 0; }`, 1)
	if short == overlapHandler {
		t.Fatal("overlapHandler changed: this test's variant no longer applies")
	}
	if err := os.WriteFile(l.path("handler.sh"), []byte(short), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(l.cfg("bob"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.cfg("bob"), append([]byte("{\n  ferry-exec-jobs: 1\n"), b[2:]...), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		l.ferry(t, "alice", []byte("mail\n"), "exec", "bob", "handler", fmt.Sprintf("e%d", i))
	}
	l.carry(t, "alice", "bob")
	l.ferry(t, "bob", nil, "toss")
	if got := l.read(t, "bob", "exec-out", "ran"); got != "alone\nalone\n" {
		t.Fatalf("handlers recorded %q, want each to have run alone", got)
	}
}

// scratchHandler records, while it runs, what the spool's tmp/ holds and
// how many names its claim's inode has, then prints its last argument
// and fails when that is "fail".
const scratchHandler = `#!/bin/sh
out=$1; tmp=$2; claims=$3
/bin/mkdir -p "$out"
/bin/cat >/dev/null
/bin/ls -A "$tmp" >>"$out/tmp"
/usr/bin/stat -c %h "$claims/.claim" >>"$out/links" 2>&1
echo "handler says $4" >&2
[ "$4" = fail ] && exit 3
exit 0
`

// TestExecTossMakesNoScratchFiles: a small exec packet's body reaches its
// handler from memory and its output goes back through the claimer, so
// no scratch file of the spool exists while the handler runs (creating
// and removing two per packet was the largest cost of tossing small exec
// packets on ext4), and the claim is a link to the claims' template, not
// a new inode. The output still reaches the log.
func TestExecTossMakesNoScratchFiles(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("handler.sh"), []byte(scratchHandler), 0o755)
	tmp, claims := l.path("bob", "spool", "tmp"), filepath.Join(l.queue("bob", "alice", "rx"), "ferry-exec")
	for _, arg := range []string{"ok1", "ok2", "fail"} {
		l.ferry(t, "alice", []byte("mail\n"), "exec", "bob", "handler", tmp, claims, arg)
	}
	l.carry(t, "alice", "bob")
	if r := ferry(t, nil, "toss", "--cfg", l.cfg("bob"), "--quiet"); r.code == 0 {
		t.Fatal("toss with a failing handler exited 0")
	}
	if got := l.read(t, "bob", "exec-out", "tmp"); got != "" {
		t.Errorf("the spool's tmp/ held %q while handlers ran, want nothing", got)
	}
	for _, n := range strings.Split(strings.TrimSpace(l.read(t, "bob", "exec-out", "links")), "\n") {
		if links, err := strconv.Atoi(n); err != nil || links < 2 {
			t.Errorf("claim template had %q names while a handler ran, want 2 or more (each claim a link to it)", n)
		}
	}
	if log := l.read(t, "bob", "log"); !strings.Contains(log, "handler says fail") {
		t.Errorf("the failing handler's output is not in the log:\n%s", log)
	}
	if l.count(l.queue("bob", "alice", "rx")) != 1 {
		t.Errorf("want the failed packet, alone, left in rx")
	}
}

// TestExecJobsOneRetiresInBatches: with ferry-exec-jobs: 1 each handler
// still runs alone, but the packets whose handlers ended are retired
// together, after one fsync of their claims, as with handlers side by
// side: each handler of a small queue finds every packet still in rx.
// (Retired one by one, a claim's fsync per packet made a toss with
// NNCP's order twice as slow.)
func TestExecJobsOneRetiresInBatches(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	rx := l.queue("bob", "alice", "rx")
	mustWrite(t, l.path("handler.sh"), []byte(`#!/bin/sh
/bin/mkdir -p "$1"
/bin/cat >/dev/null
/bin/ls "$2" | /bin/grep -c '^[A-Z2-7]\{52\}$' >>"$1/left"
`), 0o755)
	b, err := os.ReadFile(l.cfg("bob"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, l.cfg("bob"), append([]byte("{\n  ferry-exec-jobs: 1\n"), b[2:]...), 0o600)
	const n = 4
	for range n {
		l.ferry(t, "alice", []byte("mail\n"), "exec", "bob", "handler", rx)
	}
	l.carry(t, "alice", "bob")
	l.ferry(t, "bob", nil, "toss")
	if got, want := l.read(t, "bob", "exec-out", "left"), strings.Repeat(strconv.Itoa(n)+"\n", n); got != want {
		t.Fatalf("packets in rx as each handler ran: %q, want %q", got, want)
	}
	if left := l.count(rx); left != 0 {
		t.Fatalf("%d packets left", left)
	}
}
