package main

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCallFailsWhenDaemonDiesMidPacket: the daemon is killed while a
// 10 MiB packet is on its way to it. The packet is still queued and a
// .part sits on the receiver, so `ferry call` must exit non-zero with one
// line saying what is left, however the kernel ends the connection (FIN
// or RST).
func TestCallFailsWhenDaemonDiesMidPacket(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	randomFile(t, l.path("big"), 10<<20)
	l.ferry(t, "alice", nil, "file", l.path("big"), "bob:big.bin")
	d, addr := startDaemon(t, l, "ferry", "bob")
	c := callCmd(l, "ferry", "alice", "bob", addr, "--txrate", "40")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	// Kill once part, not all, of the packet has arrived.
	partSize := waitPart(l.queue("bob", "alice", "rx"), 1<<20)
	killWait(t, d)
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		sendSignal(t, c.Process, syscall.SIGKILL)
		t.Fatal("call still running 30 s after the daemon died")
	}
	if partSize < 1<<20 || partSize >= 10<<20 {
		t.Fatalf("the daemon was not killed mid-packet (%d bytes arrived)", partSize)
	}
	if l.count(l.queue("alice", "bob", "tx")) != 1 {
		t.Fatal("the packet left the queue although it never arrived")
	}
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("call exit: %v, want status 1\n%s", err, stderr.String())
	}
	want := "ferry: error: call bob: session cut: 1 packet half-sent (10.0 MiB)"
	t.Logf("call said:\n%s", stderr.String())
	if n := strings.Count(stderr.String(), "ferry: error:"); n != 1 || !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr has %d error lines, want one with %q:\n%s", n, want, stderr.String())
	}
}
