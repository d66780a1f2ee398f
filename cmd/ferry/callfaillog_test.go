package main

import (
	"net"
	"strings"
	"testing"
)

// TestFailedCallIsLogged: a call that cannot reach its node writes the
// failure to the node's log (where a cron job's failures are looked for,
// as the daemon's caller writes its own), and shows it on stderr once.
func TestFailedCallIsLogged(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil { // nothing listens there now: refused
		t.Fatal(err)
	}
	out, err := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput()
	if err == nil {
		t.Fatalf("call to a closed port succeeded:\n%s", out)
	}
	if n := strings.Count(string(out), addr); n != 1 {
		t.Errorf("stderr names the address %d times, want once:\n%s", n, out)
	}
	log := l.read(t, "alice", "log")
	if !strings.Contains(log, "Msg: call failed") || !strings.Contains(log, "Addr: "+addr) || !strings.Contains(log, "Node: bob") {
		t.Errorf("the failed call is not in alice's log:\n%s", log)
	}
}
