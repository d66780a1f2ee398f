package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/flood"
)

// The daemon under load (issue 11, defects 3 to 5): out of descriptors,
// held open by silent connections, flooded with message 1s from unknown
// keys, it keeps serving, and a real neighbour's call goes through. Every
// address here is on 127.0.0.0/8; the daemon listens on 127.0.0.1 only.

// loadedDaemon is a real `ferry daemon` whose output the test reads.
type loadedDaemon struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan struct{}
	err    error // after exited
}

func (d *loadedDaemon) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.Write(p)
}

func (d *loadedDaemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// startLoadedDaemon runs bob's daemon on a free 127.0.0.1 port, through
// prefix (e.g. prlimit) when given, and waits until it listens.
func startLoadedDaemon(t *testing.T, l *netLab, prefix []string, args ...string) *loadedDaemon {
	t.Helper()
	d := &loadedDaemon{exited: make(chan struct{})}
	argv := append(prefix, ferryBin, "daemon", "--cfg", l.cfg("bob"), "--bind", "127.0.0.1:0")
	d.cmd = exec.Command(argv[0], append(argv[1:], args...)...)
	d.cmd.Env = append(os.Environ(), "NNCPCFG=", "NNCPDEADLINE=20")
	d.cmd.Stdout, d.cmd.Stderr = d, d
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		sendSignal(t, d.cmd.Process, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(15 * time.Second):
			sendSignal(t, d.cmd.Process, syscall.SIGKILL)
			<-d.exited
		}
	})
	d.waitLog(t, "listening on")
	addr, ok := listeningLine(d.log())
	if !ok {
		t.Fatalf("no address in the daemon's output:\n%s", d.log())
	}
	d.addr = addr
	return d
}

// waitLog waits (at most 30 s) for text in the daemon's output and fails
// the test if the daemon exits first.
func (d *loadedDaemon) waitLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-d.exited:
			t.Fatalf("daemon exited (%v) waiting for %q:\n%s", d.err, text, d.log())
		default:
		}
		if strings.Contains(d.log(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q from the daemon in 30 s:\n%s", text, d.log())
}

// alive fails the test if the daemon has exited.
func (d *loadedDaemon) alive(t *testing.T) {
	t.Helper()
	select {
	case <-d.exited:
		t.Fatalf("daemon exited: %v\n%s", d.err, d.log())
	default:
	}
}

// idle opens n silent connections to addr, from source (127.0.0.x)
// addresses given in turn; the test closes them when it ends.
func idle(t *testing.T, addr string, n int, sources ...string) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for i := range n {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(sources[i%len(sources)])}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close() // silent and maybe closed already: nothing to lose
		}
	})
	return conns
}

// loopbacks are n source addresses from 127.0.1.1 on, 200 to a /24.
func loopbacks(n int) []string {
	var s []string
	for i := range n {
		s = append(s, fmt.Sprintf("127.0.%d.%d", 1+i/200, 1+i%200))
	}
	return s
}

// neighbourCall queues a small file from alice to bob, calls bob's daemon
// and checks that it arrived.
func neighbourCall(t *testing.T, l *netLab, d *loadedDaemon, name string) {
	t.Helper()
	before := l.count(l.queue("bob", "alice", "rx"))
	mustWrite(t, l.path(name), []byte(name+"\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path(name), "bob:"+name)
	out, err := callCmd(l, "ferry", "alice", "bob", d.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("neighbour's call %s failed: %v\n%s\ndaemon:\n%s", name, err, out, d.log())
	}
	if got := l.count(l.queue("bob", "alice", "rx")); got != before+1 {
		t.Fatalf("neighbour's call %s: %d packets in bob's rx, want %d", name, got, before+1)
	}
}

// refusalCounts sums the daemon's refusal lines: the single ones by
// reason, plus the interval summaries' counts.
func refusalCounts(log string) map[string]int {
	counts := map[string]int{}
	single := regexp.MustCompile(`refused before its handshake reason=([a-z-]+)`)
	for _, m := range single.FindAllStringSubmatch(log, -1) {
		counts[m[1]]++
	}
	kv := regexp.MustCompile(` ([a-z-]+)=(\d+)`)
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "more connections refused") {
			continue
		}
		for _, m := range kv.FindAllStringSubmatch(line, -1) {
			if m[1] != "count" && m[1] != "seconds" {
				n, _ := strconv.Atoi(m[2])
				counts[m[1]] += n
			}
		}
	}
	return counts
}

// stopDaemon ends the daemon with SIGTERM and returns its log, which
// then holds the last interval's summary too.
func stopDaemon(t *testing.T, d *loadedDaemon) string {
	t.Helper()
	sendSignal(t, d.cmd.Process, syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop on SIGTERM")
	}
	if d.err != nil {
		t.Errorf("daemon exit: %v\n%s", d.err, d.log())
	}
	return d.log()
}

// TestDaemonServesThroughEMFILE: a daemon allowed 30 open files, held by
// 40 silent connections until accept fails with EMFILE, backs off, logs
// it and keeps listening; a neighbour's call started while it is out of
// descriptors goes through once those connections go.
// Before, the first EMFILE ended the daemon.
func TestDaemonServesThroughEMFILE(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("prlimit (util-linux) not installed: cannot start a daemon with few descriptors")
	}
	l := newNetLab(t)
	d := startLoadedDaemon(t, l, []string{"prlimit", "--nofile=30:30"})
	conns := idle(t, d.addr, 40, loopbacks(10)...)
	d.waitLog(t, "accept failed; retrying")
	d.alive(t)
	mustWrite(t, l.path("emfile"), []byte("after EMFILE\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("emfile"), "bob:emfile")
	call := callCmd(l, "ferry", "alice", "bob", d.addr)
	var out bytes.Buffer
	call.Stdout, call.Stderr = &out, &out
	if err := call.Start(); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		_ = c.Close() // silent: nothing to lose; the cleanup's second close fails
	}
	if err := call.Wait(); err != nil {
		// The call's connection may be taken before the daemon has seen
		// all the idle ones go, and its session then finds no descriptor
		// for its lock files: a failed session, not a dead daemon. The
		// next call, with the descriptors back, must go through.
		t.Logf("call during EMFILE failed (descriptors not yet back): %v\n%s", err, out.String())
		retry := callCmd(l, "ferry", "alice", "bob", d.addr)
		if o, err := retry.CombinedOutput(); err != nil {
			t.Fatalf("call after EMFILE: %v\n%s\ndaemon:\n%s", err, o, d.log())
		}
	}
	if l.count(l.queue("bob", "alice", "rx")) != 1 {
		t.Fatal("call after EMFILE delivered nothing")
	}
	neighbourCall(t, l, d, "again")
	d.waitLog(t, "--maxconn does not fit the open-file limit")
	if c := refusalCounts(stopDaemon(t, d)); c["accept-error"] < 1 {
		t.Errorf("accept errors not counted: %v", c)
	}
}

// TestDaemonSlowloris: with --maxconn 2, 50 silent connections from one
// address and 300 from as many others (more than --maxconn, more than
// the 256 pending) are all open while a neighbour calls, twice, and is
// served: the one address gets its share of the pending pool, the others
// push each other out, and none of them can take a session slot. The
// refusals are logged, counted by reason. Before, the first two silent
// connections locked every neighbour out until their deadline.
func TestDaemonSlowloris(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	d := startLoadedDaemon(t, l, nil, "--maxconn", "2")
	idle(t, d.addr, 50, "127.0.0.2")
	idle(t, d.addr, 300, loopbacks(300)...)
	// The daemon accepts in order: the neighbour's connection comes after
	// all of these.
	neighbourCall(t, l, d, "first")
	neighbourCall(t, l, d, "second")
	c := refusalCounts(stopDaemon(t, d))
	if c["per-addr"] < 50-8 || c["evicted"] < 1 {
		t.Errorf("refusals %v: want at least 42 per-addr and some evicted", c)
	}
}

// TestDaemonHandshakeFlood: 64 clients on four addresses send message 1s
// from unknown keys as fast as a --maxconn 2 daemon takes them (bounded:
// 60 s or 200,000 messages at most, stopped when the test is done), and a
// neighbour's five calls during the flood are served. Before, the flood
// took every slot and the neighbour's connections were closed unanswered.
func TestDaemonHandshakeFlood(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	d := startLoadedDaemon(t, l, nil, "--maxconn", "2")
	c, err := cfg.Parse([]byte(l.read(t, "bob.hjson")))
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(d.addr)
	p, _ := strconv.Atoi(port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan flood.Result, 1)
	var sent atomic.Int64
	go func() {
		r, err := flood.Handshakes(ctx, flood.Options{Port: p, DaemonPub: c.Self.NoisePub, Conns: 64, Sources: 4,
			Duration: time.Minute, Count: 200000, Progress: &sent})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	for i := 0; sent.Load() < 500 && i < 3000; i++ { // the flood is under way (at most 30 s)
		time.Sleep(10 * time.Millisecond)
	}
	d.alive(t)
	for i := range 5 {
		neighbourCall(t, l, d, fmt.Sprintf("during-flood-%d", i))
	}
	cancel()
	r := <-done
	t.Logf("flood: %d message 1s in %s (%.0f/s)", r.Sent, r.Elapsed.Round(time.Millisecond), float64(r.Sent)/r.Elapsed.Seconds())
	counts := refusalCounts(stopDaemon(t, d))
	if counts["unknown-key"] < 1 {
		t.Errorf("no unknown keys counted: %v", counts)
	}
}

// TestCallCutHint: a daemon that hangs up on message 1 (full, or not
// knowing our key) leaves the caller with a hint naming those causes.
func TestCallCutHint(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }() // ends the accept loop; nothing else to close
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(make([]byte, 64)) // whatever comes (or not), it hangs up
			_ = c.Close()                   // the hang-up is all it does; the call reports it
		}
	}()
	out, err := callCmd(l, "ferry", "alice", "bob", ln.Addr().String()).CombinedOutput()
	if err == nil {
		t.Fatalf("call to a daemon that hangs up succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "ferry: hint: the daemon may be full") {
		t.Fatalf("no hint after a cut handshake:\n%s", out)
	}
	// The node and the address are named once each.
	if line := firstLine(string(out), "ferry: error: "); strings.Count(line, "call bob") != 1 || strings.Count(line, ln.Addr().String()) != 1 {
		t.Fatalf("error line names the node or address other than once: %q", line)
	}
}

func firstLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
