package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAutoTossNoACK: with --autotoss-noack, the tosses of a call (and of
// a caller's calls) deliver the file bob sent but leave bob's ACK in rx,
// as NNCP's -autotoss-noack does. The ACK (nice N) is sent before the
// file (nice B), so a toss that delivered the file had the ACK too.
func TestAutoTossNoACK(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"call", "caller"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel() // waits on other processes
			l := newNetLab(t)
			mustWrite(t, l.path("a"), []byte("to bob\n"), 0o644)
			mustWrite(t, l.path("b"), []byte("to alice\n"), 0o644)
			l.ferry(t, "alice", nil, "file", l.path("a"), "bob:a.txt")
			l.carry(t, "alice", "bob")
			ack := strings.TrimSpace(string(l.ferry(t, "bob", nil, "ack", "--print-id", "--node", "alice").stdout))
			l.ferry(t, "bob", nil, "file", l.path("b"), "alice:b.txt")
			if ack == "" || l.count(l.queue("bob", "alice", "tx")) != 2 {
				t.Fatalf("bob's queue for alice: ACK %q, %d packets, want an ACK and a file", ack, l.count(l.queue("bob", "alice", "tx")))
			}
			_, addr := startDaemon(t, l, "ferry", "bob")
			delivered := func() bool {
				_, err := os.Stat(l.path("alice", "incoming", "b.txt"))
				return err == nil && l.count(l.queue("bob", "alice", "tx")) == 0
			}
			if how == "call" {
				if out, err := callCmd(l, "ferry", "alice", "bob", addr, "--autotoss", "--autotoss-noack").CombinedOutput(); err != nil {
					t.Fatalf("call: %v\n%s", err, out)
				}
			} else {
				b, _ := os.ReadFile(l.cfg("alice"))
				bobID := "id: " + l.ids["bob"]
				mustWrite(t, l.cfg("alice"), []byte(strings.Replace(string(b), bobID,
					`calls: [{cron: "* * * * * * *", addr: "`+addr+`", onlinedeadline: 1}]`+"\n      "+bobID, 1)), 0o600)
				c := exec.Command(ferryBin, "caller", "--cfg", l.cfg("alice"), "--quiet", "--autotoss", "--autotoss-noack", "bob")
				c.Env = append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG=")
				var stderr strings.Builder
				c.Stderr = &stderr
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- c.Wait() }()
				waitFor(t, "caller delivering bob's file", func() bool {
					select {
					case err := <-exited:
						t.Fatalf("caller exited: %v\n%s", err, stderr.String())
					default:
					}
					return delivered() && l.count(l.queue("alice", "bob", "rx")) == 1
				})
				sendSignal(t, c.Process, syscall.SIGTERM)
				if err := <-exited; err != nil {
					t.Errorf("caller after SIGTERM: %v, want exit status 0\n%s", err, stderr.String())
				}
			}
			if !delivered() {
				t.Fatalf("bob's file not delivered by the autotoss")
			}
			if _, err := os.Stat(filepath.Join(l.queue("alice", "bob", "rx"), ack)); err != nil || l.count(l.queue("alice", "bob", "rx")) != 1 {
				t.Errorf("alice's rx from bob has %d packets, ACK %s: %v; want the ACK alone, untossed", l.count(l.queue("alice", "bob", "rx")), ack, err)
			}
		})
	}
}
