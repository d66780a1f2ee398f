package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The drop-in suite's online part: NNCP's call, caller and inetd lines
// between the twins (see nncp_twins_test.go).

// daemon starts the twin's nncp-daemon for bob on a port the kernel
// picks, and points alice's config (its TCP address and call) at it.
func (tw *twin) daemon(t *testing.T) {
	t.Helper()
	addr := startListening(t, tw.cmd("bob", "nncp-daemon", "-quiet", "-bind", "127.0.0.1:0"))
	cfg := tw.lab.cfg("alice")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), tw.port); n != 2 {
		t.Fatalf("alice's config names %s %d times, want twice (in addrs and in calls)", tw.port, n)
	}
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(string(b), tw.port, addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	tw.port = addr
}

// queueFor queues a small file at alice for bob.
func (tw *twin) queueFor(t *testing.T, name string) {
	t.Helper()
	p := filepath.Join(tw.lab.dir, name)
	mustWrite(t, p, []byte("online "+name+"\n"), 0o644)
	tw.must(t, "alice", nil, "nncp-file", "-quiet", p, "bob:")
}

// TestNNCPCallDaemon: "nncp-call -onlinedeadline 2 bob" against
// nncp-daemon on 127.0.0.1 (the config lists it for bob, beside a pipe
// address that reaches bob too, whichever is tried first).
func TestNNCPCallDaemon(t *testing.T) {
	t.Parallel() // most of a call is the idle deadline: the three wait together
	type outcome struct{ Exit, AliceTx, BobRx int }
	got := map[string]outcome{}
	for _, tw := range newTwins(t) {
		tw.daemon(t)
		tw.queueFor(t, "c.txt")
		code, _ := tw.run(t, "alice", nil, "nncp-call", "-quiet", "-onlinedeadline", "2", "bob")
		got[tw.kind] = outcome{code, tw.count("alice", "bob", "tx"), tw.count("bob", "alice", "rx")}
	}
	same(t, "call", got, outcome{BobRx: 1})
}

// TestNNCPCallerConfig: nncp-caller runs the config's calls entry for
// bob (every second, to the daemon's address); stopped once the packet
// has arrived.
func TestNNCPCallerConfig(t *testing.T) {
	t.Parallel() // most of a call is the idle deadline: the three wait together
	type outcome struct{ AliceTx, BobRx int }
	got := map[string]outcome{}
	for _, tw := range newTwins(t) {
		tw.daemon(t)
		tw.queueFor(t, "cron.txt")
		c := tw.cmd("alice", "nncp-caller", "-quiet")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, tw.kind+" caller", func() bool {
			return tw.count("bob", "alice", "rx") == 1 && tw.count("alice", "bob", "tx") == 0
		})
		sendSignal(t, c.Process, syscall.SIGTERM)
		_ = c.Wait() // NNCP's tools die of SIGTERM: the status says nothing
		got[tw.kind] = outcome{tw.count("alice", "bob", "tx"), tw.count("bob", "alice", "rx")}
	}
	same(t, "caller", got, outcome{BobRx: 1})
}

// TestNNCPPipeAddrInetd: an addrs entry "|nncp-daemon -inetd": alice's
// nncp-call starts bob's daemon on a pipe, the link named nncp-daemon
// for the ferry twin.
func TestNNCPPipeAddrInetd(t *testing.T) {
	t.Parallel() // most of a call is the idle deadline: the three wait together
	type outcome struct{ Exit, AliceTx, BobRx int }
	got := map[string]outcome{}
	for _, tw := range newTwins(t) {
		tw.queueFor(t, "p.txt")
		code, _ := tw.run(t, "alice", nil, "nncp-call", "-quiet", "-onlinedeadline", "2", "bob:pipe")
		// NNCP's nncp-call does not wait for the command it piped to:
		// bob's daemon may still be storing the packet.
		waitFor(t, tw.kind+" piped daemon to exit", func() bool { return !processWithEnv("NNCPCFG=" + tw.lab.cfg("bob")) })
		got[tw.kind] = outcome{code, tw.count("alice", "bob", "tx"), tw.count("bob", "alice", "rx")}
	}
	same(t, "pipe address", got, outcome{BobRx: 1})
}
