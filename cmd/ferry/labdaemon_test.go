package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Daemons in tests listen on 127.0.0.1:0, a port the kernel picks and
// nobody else can take. A port found free and closed again, then handed
// to a daemon, can be taken in between by any parallel test's listener
// or outgoing connection; the test then talks to the wrong daemon or to
// none.

// startDaemon runs ferry's or NNCP's daemon ("ferry" or "nncp") for node
// until the test ends, and returns it with the address it listens on.
func startDaemon(t *testing.T, l *netLab, kind, node string) (*exec.Cmd, string) {
	t.Helper()
	return startDaemonLogged(t, l, kind, node, nil)
}

// startDaemonLogged is startDaemon with the daemon's stderr going to w
// (not nil: ferry's daemon then logs every session there, not only errors).
func startDaemonLogged(t *testing.T, l *netLab, kind, node string, w io.Writer) (*exec.Cmd, string) {
	t.Helper()
	var cmd *exec.Cmd
	if kind == "ferry" {
		args := []string{"daemon", "--cfg", l.cfg(node), "--bind", "127.0.0.1:0"}
		if w == nil {
			args = append(args, "--quiet")
		}
		cmd = exec.Command(ferryBin, args...)
	} else {
		cmd = exec.Command("nncp-daemon", "-cfg", l.cfg(node), "-quiet", "-bind", "127.0.0.1:0")
	}
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	cmd.Stderr = w
	return cmd, startListening(t, cmd)
}

// startListening starts a daemon command that binds 127.0.0.1:0, waits
// until it listens and returns its address; the daemon is killed at the
// test's cleanup. ferry's daemon prints the address on stdout (when
// cmd.Stdout is free); NNCP's prints nothing, so its socket is looked up
// in /proc.
func startListening(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	var stdout *syncBuffer
	if cmd.Stdout == nil {
		stdout = &syncBuffer{}
		cmd.Stdout = stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killWait(t, cmd) })
	pid := cmd.Process.Pid
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if stdout != nil {
			if addr, ok := listeningLine(stdout.String()); ok {
				return addr
			}
		}
		if addr, ok := loopbackListener(pid); ok {
			return addr
		}
		if zombie(pid) {
			t.Fatalf("%s exited before it listened", cmd.Path)
		}
	}
	t.Fatalf("%s not listening within 30 s", cmd.Path)
	return ""
}

// listeningLine finds ferry daemon's "listening on ADDR" line in out.
func listeningLine(out string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			return addr, true
		}
	}
	return "", false
}

// loopbackListener is the 127.0.0.1 address of a TCP socket that process
// pid listens on: its socket inodes (/proc/PID/fd) matched against the
// listening sockets of its network namespace (/proc/PID/net/tcp).
func loopbackListener(pid int) (string, bool) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return "", false
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return "", false
	}
	// sl local_address rem_address st ... uid timeout inode: the local
	// address is hex, the address in host order, the port big-endian.
	for _, line := range bytes.Split(table, []byte("\n"))[1:] {
		f := strings.Fields(string(line))
		if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] {
			continue
		}
		host, port, ok := strings.Cut(f[1], ":")
		if !ok || host != "0100007F" {
			continue
		}
		if n, err := strconv.ParseUint(port, 16, 16); err == nil {
			return net.JoinHostPort("127.0.0.1", strconv.FormatUint(n, 10)), true
		}
	}
	return "", false
}

// closedPort is a loopback address nothing of this test listens on: a
// port the kernel handed out and took back. Only for addresses a test
// wants to fail (or never dials); a daemon binds 127.0.0.1:0 instead.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil { // the port must be free again
		t.Fatal(err)
	}
	return addr
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

// waitPart waits (at most 30 s) until a download into dir is a .part of
// at least min bytes and returns its size; 0 if none got that far.
func waitPart(dir string, min int64) int64 {
	var size int64
	for end := time.Now().Add(30 * time.Second); size < min && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(m) == 1 {
			if fi, err := os.Stat(m[0]); err == nil {
				size = fi.Size()
			}
		}
	}
	return size
}
