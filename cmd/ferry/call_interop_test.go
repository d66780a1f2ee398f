package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemon runs ferry or nncp's daemon for node on addr until stopped.
func startDaemon(t *testing.T, l *netLab, kind, node, addr string) *exec.Cmd {
	t.Helper()
	return startDaemonLogged(t, l, kind, node, addr, nil)
}

// startDaemonLogged is startDaemon with the daemon's stderr going to w
// (not nil: ferry's daemon then logs every session there, not only errors).
func startDaemonLogged(t *testing.T, l *netLab, kind, node, addr string, w io.Writer) *exec.Cmd {
	t.Helper()
	var cmd *exec.Cmd
	if kind == "ferry" {
		args := []string{"daemon", "--cfg", l.cfg(node), "--bind", addr}
		if w == nil {
			args = append(args, "--quiet")
		}
		cmd = exec.Command(ferryBin, args...)
	} else {
		cmd = exec.Command("nncp-daemon", "-cfg", l.cfg(node), "-quiet", "-bind", addr)
	}
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until it accepts connections.
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func callCmd(l *netLab, kind, node, peer, addr string, extra ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if kind == "ferry" {
		cmd = exec.Command(ferryBin, append([]string{"call", "--cfg", l.cfg(node), "--quiet", "--onlinedeadline", "1"}, append(extra, peer, addr)...)...)
	} else {
		cmd = exec.Command("nncp-call", append([]string{"-cfg", l.cfg(node), "-quiet", "-onlinedeadline", "1"}, append(extra, peer, addr)...)...)
	}
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	return cmd
}

// TestInteropCalls: ferry call to nncp-daemon and nncp-call to ferry
// daemon, packets queued on both sides (one of 64 MiB), all delivered.
func TestInteropCalls(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	needNNCP(t, "nncp-daemon")
	for _, mix := range [][2]impl{{ferryImpl, nncpImpl}, {nncpImpl, ferryImpl}} {
		caller, daemon := mix[0], mix[1]
		t.Run(caller.name+"-calls-"+daemon.name, func(t *testing.T) {
			l := newNetLab(t)
			big := randomFile(t, l.path("big"), 64<<20)
			small := randomFile(t, l.path("small"), 1000)
			caller.file(l, t, "alice", l.path("big"), "bob:big.bin")
			daemon.file(l, t, "bob", l.path("small"), "alice:small.bin")
			addr := freePort(t)
			startDaemon(t, l, daemon.name, "bob", addr)
			if out, err := callCmd(l, caller.name, "alice", "bob", addr).CombinedOutput(); err != nil {
				t.Fatalf("call: %v\n%s", err, out)
			}
			daemon.toss(l, t, "bob")
			caller.toss(l, t, "alice")
			if got, _ := os.ReadFile(l.path("bob", "incoming", "big.bin")); !bytes.Equal(got, big) {
				t.Error("64 MiB file differs")
			}
			if got, _ := os.ReadFile(l.path("alice", "incoming", "small.bin")); !bytes.Equal(got, small) {
				t.Error("small file differs")
			}
			if l.count(l.queue("alice", "bob", "tx"))+l.count(l.queue("bob", "alice", "tx")) != 0 {
				t.Error("packets left queued after DONE")
			}
		})
	}
}

// TestInteropCallResume: a call cut mid-transfer (the daemon killed)
// resumes from .part on the next call, ferry and NNCP on either side.
func TestInteropCallResume(t *testing.T) {
	needNNCP(t, "nncp-daemon")
	for _, mix := range [][2]impl{{ferryImpl, nncpImpl}, {nncpImpl, ferryImpl}} {
		caller, daemon := mix[0], mix[1]
		t.Run(caller.name+"-calls-"+daemon.name, func(t *testing.T) {
			l := newNetLab(t)
			big := randomFile(t, l.path("big"), 16<<20)
			caller.file(l, t, "alice", l.path("big"), "bob:big.bin")
			addr := freePort(t)
			d := startDaemon(t, l, daemon.name, "bob", addr)
			rate := "--txrate"
			if caller.name == "nncp" {
				rate = "-txrate"
			}
			c := callCmd(l, caller.name, "alice", "bob", addr, rate, "40")
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			// Cut once some but not all of the packet has arrived.
			partGlob := filepath.Join(l.queue("bob", "alice", "rx"), "*.part")
			var partSize int64
			for i := 0; i < 600 && partSize < 1<<20; i++ {
				time.Sleep(50 * time.Millisecond)
				if m, _ := filepath.Glob(partGlob); len(m) == 1 {
					if fi, err := os.Stat(m[0]); err == nil {
						partSize = fi.Size()
					}
				}
			}
			d.Process.Signal(syscall.SIGKILL)
			d.Wait()
			c.Process.Kill()
			c.Wait()
			if partSize < 1<<20 || partSize >= 16<<20 {
				t.Fatalf("no partial download to resume (%d bytes)", partSize)
			}
			startDaemon(t, l, daemon.name, "bob", addr)
			if out, err := callCmd(l, caller.name, "alice", "bob", addr).CombinedOutput(); err != nil {
				t.Fatalf("second call: %v\n%s", err, out)
			}
			daemon.toss(l, t, "bob")
			if got, _ := os.ReadFile(l.path("bob", "incoming", "big.bin")); !bytes.Equal(got, big) {
				t.Fatal("resumed file differs")
			}
		})
	}
}
