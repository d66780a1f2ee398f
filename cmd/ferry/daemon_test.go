package main

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestDaemonSurvivesMisbehavingPeers: garbage, a stalled connection and
// an early disconnect are each refused and counted in the log, while
// a real call still goes through, and SIGTERM stops the daemon cleanly.
func TestDaemonSurvivesMisbehavingPeers(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	var stderr syncBuffer
	d := exec.Command(ferryBin, "daemon", "--cfg", l.cfg("bob"), "--bind", "127.0.0.1:0")
	d.Env = append(os.Environ(), "NNCPCFG=", "NNCPDEADLINE=2")
	d.Stderr = &stderr
	addr := startListening(t, d)
	garbage, _ := net.Dial("tcp", addr)
	if _, err := garbage.Write([]byte("NNCPS\x00\x00\x01\x00\x00\x00\x10garbagegarbage!!")); err != nil {
		t.Fatal(err)
	}
	stalled, _ := net.Dial("tcp", addr) // says nothing
	early, _ := net.Dial("tcp", addr)
	if _, err := early.Write([]byte("NNCP")); err != nil {
		t.Fatal(err)
	}
	if err := early.Close(); err != nil { // the early disconnect
		t.Fatal(err)
	}
	mustWrite(t, l.path("src"), []byte("still served\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:ok.txt")
	if out, err := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput(); err != nil {
		t.Fatalf("good call failed beside misbehaving peers: %v\n%s", err, out)
	}
	if l.count(l.queue("bob", "alice", "rx")) != 1 {
		t.Fatal("good call delivered nothing")
	}
	// The stalled handshake hits its deadline (NNCPDEADLINE=2): the
	// daemon hangs up, and the read below ends then, not at its own
	// (generous) deadline.
	if err := stalled.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := stalled.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Fatalf("the daemon kept a stalled connection past its handshake deadline: %v", err)
	}
	_ = garbage.Close() // both hung up on by the daemon: nothing to lose
	_ = stalled.Close()
	sendSignal(t, d.Process, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop on SIGTERM")
	}
	// Refusals before a handshake are logged one line per interval, with
	// counts by reason: garbage and the early hang-up are bad handshakes.
	c := refusalCounts(stderr.String())
	if c["bad-handshake"]+c["timeout"] < 3 || c["timeout"] < 1 {
		t.Errorf("refusals %v, want one per bad peer, the stalled one a timeout:\n%s", c, stderr.String())
	}
}

// TestCallThroughCommand: an address "|command" talks to `ferry daemon
// --inetd` over a pipe, as `|ssh host ferry daemon --inetd` would.
func TestCallThroughCommand(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("src"), []byte("through a pipe\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:pipe.txt")
	addr := "|" + ferryBin + " daemon --inetd --autotoss --quiet --cfg " + l.cfg("bob")
	if out, err := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput(); err != nil {
		t.Fatalf("call through a command: %v\n%s", err, out)
	}
	got, err := os.ReadFile(l.path("bob", "incoming", "pipe.txt"))
	if err != nil || string(got) != "through a pipe\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}
