package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// TestCallKillAnywhere kills the daemon or the caller (SIGKILL) at random
// moments of calls that move small packets and one of several MiB each
// way, ferry to ferry and mixed with NNCP. Every round checks the
// caller's exit status against what it left behind: a ferry caller exits
// 0 only if every packet queued on either side at the start was
// delivered (the sender's copy acknowledged and gone, the receiver's
// stored whole); a ferry daemon whose caller died logs the session as
// cut whenever a download from it is left as .part. A final clean call
// must then deliver everything exactly once and intact, with nothing
// left in tx and both spools passing their checker.
//
// The rounds are random but seeded: FERRY_KILL_SEED=N replays the same
// choices (the seed is logged).
func TestCallKillAnywhere(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FERRY_KILL_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FERRY_KILL_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with FERRY_KILL_SEED=%d)", seed, seed)
	pairs := []struct {
		caller, daemon impl
		rounds         int
	}{{ferryImpl, ferryImpl, 7}, {ferryImpl, nncpImpl, 6}, {nncpImpl, ferryImpl, 6}}
	for i, p := range pairs {
		t.Run(p.caller.name+"-calls-"+p.daemon.name, func(t *testing.T) {
			t.Parallel() // waits on other processes
			if p.caller.name == "nncp" || p.daemon.name == "nncp" {
				needNNCP(t, "nncp-daemon")
			}
			k := &killRun{t: t, l: newNetLab(t), caller: p.caller, daemon: p.daemon,
				rng: rand.New(rand.NewPCG(seed, uint64(i))), want: map[string]map[string][32]byte{"alice": {}, "bob": {}}}
			for r := 0; r < p.rounds; r++ {
				k.round(r)
			}
			k.finish()
		})
	}
}

// killRun is one pair's rounds: alice calls with caller, bob answers
// with daemon.
type killRun struct {
	t              *testing.T
	l              *netLab
	caller, daemon impl
	addr           string // the running daemon's
	rng            *rand.Rand
	want           map[string]map[string][32]byte // receiver -> file name -> content hash
	batches        int
	d              *exec.Cmd   // the running daemon, nil after a kill
	dlog           *syncBuffer // a ferry daemon's log
}

const killBatches = 4 // fresh packets are queued at most this often

// queueBatch queues two small packets and a large one each way.
func (k *killRun) queueBatch() {
	b := k.batches
	k.batches++
	for _, d := range []struct {
		from, to string
		by       impl
		big      int
	}{{"alice", "bob", k.caller, 6 << 20}, {"bob", "alice", k.daemon, 3 << 20}} {
		for i, n := range []int{1 + k.rng.IntN(4000), 4000 + k.rng.IntN(60000), d.big + k.rng.IntN(1<<20)} {
			body := make([]byte, n)
			for j := range body {
				body[j] = byte(k.rng.Uint32())
			}
			name := fmt.Sprintf("b%d-%s-%d.bin", b, d.from, i)
			src := k.l.path("src-" + name)
			if err := os.WriteFile(src, body, 0o644); err != nil {
				k.t.Fatal(err)
			}
			d.by.file(k.l, k.t, d.from, src, d.to+":"+name)
			k.want[d.to][name] = sha256.Sum256(body)
		}
	}
}

func (k *killRun) startDaemon() {
	if k.daemon.name == "ferry" {
		k.dlog = &syncBuffer{}
		k.d, k.addr = startDaemonLogged(k.t, k.l, "ferry", "bob", k.dlog)
		return
	}
	k.d, k.addr = startDaemon(k.t, k.l, k.daemon.name, "bob")
}

func (k *killRun) rateFlags() []string {
	if k.caller.name == "ferry" {
		return []string{"--txrate", "150", "--rxrate", "150"}
	}
	return []string{"-txrate", "150", "-rxrate", "150"}
}

// round runs one call and kills one side at a random moment.
func (k *killRun) round(r int) {
	t, l := k.t, k.l
	aliceTx, bobTx := packetsIn(l.queue("alice", "bob", "tx")), packetsIn(l.queue("bob", "alice", "tx"))
	if len(aliceTx)+len(bobTx) == 0 && k.batches < killBatches {
		k.queueBatch()
		aliceTx, bobTx = packetsIn(l.queue("alice", "bob", "tx")), packetsIn(l.queue("bob", "alice", "tx"))
	}
	if k.d == nil {
		k.startDaemon()
	}
	mark := 0
	if k.dlog != nil {
		mark = k.dlog.Len()
	}
	// The rates stretch a call to about a second and a half, so most
	// moments fall inside a transfer; what is checked holds at any moment.
	c := callCmd(l, k.caller.name, "alice", "bob", k.addr, k.rateFlags()...)
	var stderr syncBuffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = c.Wait() // its status is read from c.ProcessState below
		close(done)
	}()
	killDaemon := k.rng.IntN(2) == 0
	at := time.Duration(k.rng.IntN(1300)) * time.Millisecond
	what := "nothing (the call ended first)"
	callerKilled := false
	select {
	case <-done:
	case <-time.After(at):
		if killDaemon {
			killWait(t, k.d)
			k.d = nil
			what = "the daemon"
		} else if c.Process.Signal(syscall.SIGKILL) == nil {
			callerKilled = true
			what = "the caller"
		}
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			sendSignal(t, c.Process, syscall.SIGKILL)
			<-done
			t.Fatalf("round %d: the call did not end within 30 s of killing %s", r, what)
		}
	}
	code := c.ProcessState.ExitCode()
	if callerKilled && c.ProcessState.Success() {
		callerKilled = false // it had ended by itself just before
	}
	t.Logf("round %d: killed %s at %v; %s call exit %d %s", r, what, at, k.caller.name, code,
		strings.ReplaceAll(strings.TrimSpace(stderr.String()), "\n", " | "))
	if !callerKilled && k.caller.name == "ferry" {
		if code == 0 {
			k.checkDelivered(r, aliceTx, bobTx)
		} else if !strings.Contains(stderr.String(), "ferry: error: call bob: ") {
			t.Errorf("round %d: exit %d without saying why:\n%s", r, code, stderr.String())
		}
	}
	if callerKilled && k.dlog != nil && k.d != nil {
		k.checkDaemonLog(r, mark)
	}
	if callerKilled && k.daemon.name == "nncp" {
		// nncp-daemon holds a dead caller's session (and refuses the
		// node) until its write deadline; restart it rather than wait.
		killWait(t, k.d)
		k.d = nil
	}
}

// checkDelivered: after an exit 0, whatever was queued at the start of
// the call has arrived whole, and alice's copies are gone.
func (k *killRun) checkDelivered(r int, aliceTx, bobTx []string) {
	l := k.l
	for _, p := range aliceTx {
		if _, err := os.Stat(filepath.Join(l.queue("alice", "bob", "tx"), p)); err == nil {
			k.t.Errorf("round %d: exit 0 with %s still queued at alice", r, p)
		}
		if _, err := os.Stat(filepath.Join(l.queue("bob", "alice", "rx"), p)); err != nil {
			k.t.Errorf("round %d: exit 0 but bob never stored %s", r, p)
		}
	}
	for _, p := range bobTx {
		if _, err := os.Stat(filepath.Join(l.queue("alice", "bob", "rx"), p)); err != nil {
			k.t.Errorf("round %d: exit 0 but alice never stored %s from bob", r, p)
		}
	}
}

var cutLine = regexp.MustCompile(`session (cut|failed|interrupted|ended unfinished) [^\n]*node=alice`)

// checkDaemonLog: once the daemon has ended the sessions of a round whose
// caller was killed, a download left as .part means it logged the session
// as cut (the caller offers every packet it has, so a .part left after a
// session was asked for in it and not finished).
func (k *killRun) checkDaemonLog(r, mark int) {
	var seg string
	for i := 0; ; i++ {
		seg = k.dlog.String()[mark:]
		if strings.Count(seg, "session started") == strings.Count(seg, "session finished") {
			break
		}
		if i == 750 {
			k.t.Fatalf("round %d: the daemon did not end the session of a killed caller in 15 s:\n%s", r, seg)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(seg, "session started") || !hasPart(k.l.queue("bob", "alice", "rx")) {
		return
	}
	for i := 0; !cutLine.MatchString(seg); i++ {
		if i == 500 {
			k.t.Errorf("round %d: a download is left as .part, but the daemon did not log the session as cut:\n%s", r, seg)
			return
		}
		time.Sleep(20 * time.Millisecond)
		seg = k.dlog.String()[mark:]
	}
	k.t.Logf("round %d: the daemon logged %q", r, cutLine.FindString(seg))
}

// finish makes clean calls until nothing is left, then checks delivery.
func (k *killRun) finish() {
	t, l := k.t, k.l
	if k.d == nil {
		k.startDaemon()
	}
	left := func() int {
		return len(packetsIn(l.queue("alice", "bob", "tx"))) + len(packetsIn(l.queue("bob", "alice", "tx")))
	}
	for i := 0; ; i++ {
		out, err := callCmd(l, k.caller.name, "alice", "bob", k.addr).CombinedOutput()
		if err == nil && left() == 0 {
			break
		}
		// A resumed download NNCP checks in the background may be
		// acknowledged only by the next call; more is a failure.
		if i == 2 {
			t.Fatalf("after %d clean calls: %v, %d packets still queued\n%s", i+1, err, left(), out)
		}
		t.Logf("clean call %d: %v, %d packets left\n%s", i, err, left(), out)
	}
	for _, n := range []struct {
		node, peer string
		by         impl
	}{{"alice", "bob", k.caller}, {"bob", "alice", k.daemon}} {
		if hasPart(l.queue(n.node, n.peer, "rx")) {
			t.Errorf("%s: a .part left after the clean calls", n.node)
		}
		if n.by.name == "ferry" {
			l.ferry(t, n.node, nil, "check")
		} else {
			l.nncp(t, n.node, nil, "nncp-check")
		}
		n.by.toss(l, t, n.node)
		if c := l.count(l.queue(n.node, n.peer, "rx")); c != 0 {
			t.Errorf("%s: %d packets left in rx after toss", n.node, c)
		}
		ents, _ := os.ReadDir(l.path(n.node, "incoming"))
		got := map[string]bool{}
		for _, e := range ents {
			got[e.Name()] = true
			sum, ok := k.want[n.node][e.Name()]
			if !ok {
				t.Errorf("%s: unexpected %s in incoming (a second delivery?)", n.node, e.Name())
				continue
			}
			if b, _ := os.ReadFile(l.path(n.node, "incoming", e.Name())); sha256.Sum256(b) != sum {
				t.Errorf("%s: %s damaged", n.node, e.Name())
			}
		}
		for name := range k.want[n.node] {
			if !got[name] {
				t.Errorf("%s: %s never arrived", n.node, name)
			}
		}
	}
	t.Logf("%d batches, %d files delivered", k.batches, len(k.want["alice"])+len(k.want["bob"]))
	if k.daemon.name == "ferry" {
		sendSignal(t, k.d.Process, syscall.SIGTERM)
		if err := k.d.Wait(); err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", err)
		}
	}
}

// packetsIn lists the packet names in a queue directory.
func packetsIn(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if packet.IsPacketName(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func hasPart(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	return len(m) > 0
}

// syncBuffer is a bytes.Buffer a child process's output can be copied
// into while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
