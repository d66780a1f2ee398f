package toss

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// claimPair is a claimer client and ServeClaims on the two ends of a
// socket, in this process; wait returns what ServeClaims returned.
func claimPair(t *testing.T) (c *claimer, wait func() error) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "sock")
		defer func() { _ = f.Close() }()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c.(*net.UnixConn)
	}
	client, server := conn(fds[0]), conn(fds[1])
	done := make(chan error, 1)
	go func() {
		done <- ServeClaims(server)
		_ = server.Close()
	}()
	return newClaimer(client, nil), func() error { return <-done }
}

// TestClaimer: the claimer runs a command only for the first claimant of
// a marker, reports exits and failures apart, and runs what it was sent
// even when toss is gone before the answer.
func TestClaimer(t *testing.T) {
	dir := t.TempDir()
	ranLog := filepath.Join(dir, "ran")
	handler := []string{"/bin/sh", "-c", `cat >/dev/null; echo "ran $1" >>"$0"; echo "out $1"; echo "err $1" >&2; exit "${2:-0}"`, ranLog}
	c, served := claimPair(t)
	run := func(marker string, argv ...string) (string, error) {
		t.Helper()
		in, err := os.CreateTemp(dir, "in")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = in.Close() }()
		wait, err := c.start(marker, "", argv, []string{"A=1"}, in, in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := wait()
		return string(out), err
	}
	m1 := filepath.Join(dir, "m1")
	if out, err := run(m1, append(handler, "with 'quotes' and spaces")...); err != nil || out != "out with 'quotes' and spaces\nerr with 'quotes' and spaces\n" {
		t.Fatalf("first run: %v, output %q: want both streams in the reply", err, out)
	}
	if _, err := run(m1, append(handler, "again")...); !errors.Is(err, errClaimTaken) {
		t.Fatalf("second claim of one marker: %v, want errClaimTaken", err)
	}
	var he *handlerExit
	if out, err := run(filepath.Join(dir, "m2"), append(handler, "failing", "3")...); !errors.As(err, &he) || he.ExitCode() != 3 || !strings.Contains(out, "err failing") {
		t.Fatalf("failing handler: %v, output %q, want exit status 3 and its output", err, out)
	}
	if _, err := run(filepath.Join(dir, "no-such-dir", "m"), handler...); err == nil || !strings.HasPrefix(err.Error(), "claim:") {
		t.Errorf("unclaimable marker: %v, want a claim error", err)
	}
	m4 := filepath.Join(dir, "m4")
	if _, err := run(m4, filepath.Join(dir, "no-such-handler")); err == nil || !strings.HasPrefix(err.Error(), "start:") {
		t.Errorf("missing handler: %v, want a start error", err)
	}
	if _, err := os.Stat(m4); err != nil {
		t.Errorf("a claimed handler that did not start leaves its claim for toss to drop: %v", err)
	}
	// Toss killed right after sending: the request is run all the same.
	in, _ := os.Open(os.DevNull)
	if _, err := c.start(filepath.Join(dir, "m5"), "", append(handler, "orphan"), nil, in, in); err != nil {
		t.Fatal(err)
	}
	_ = in.Close()
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if err := served(); err != nil {
		t.Fatalf("ServeClaims: %v", err)
	}
	b, _ := os.ReadFile(ranLog)
	if want := "ran with 'quotes' and spaces\nran failing\nran orphan\n"; string(b) != want {
		t.Fatalf("handlers ran %q, want %q: once each, arguments intact", b, want)
	}
}

// TestClaimerLinksAndOutput: with a template, a claim is a hard link to
// it (no inode of its own) and a second claim of the marker is refused;
// a handler's output is kept up to maxExecOutput and drained past it, so
// a handler writing more never blocks; one that leaves a process behind
// holding its output is answered once outputGrace has passed.
func TestClaimerLinksAndOutput(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, ".claim")
	if err := os.WriteFile(tmpl, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c, served := claimPair(t)
	run := func(marker string, argv ...string) ([]byte, error) {
		t.Helper()
		in, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = in.Close() }()
		wait, err := c.start(marker, tmpl, argv, nil, in, in)
		if err != nil {
			t.Fatal(err)
		}
		return wait()
	}
	m1 := filepath.Join(dir, "m1")
	if out, err := run(m1, "/bin/sh", "-c", "head -c 1000000 /dev/zero; echo done >&2"); err != nil || len(out) != maxExecOutput {
		t.Fatalf("a megabyte of output: %v, %d bytes kept, want %d", err, len(out), maxExecOutput)
	}
	a, errA := os.Stat(m1)
	b, errB := os.Stat(tmpl)
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		t.Fatalf("the claim is not a link to the template: %v %v", errA, errB)
	}
	if _, err := run(m1, "/bin/true"); !errors.Is(err, errClaimTaken) {
		t.Fatalf("second claim of a linked marker: %v, want errClaimTaken", err)
	}
	if out, err := run(filepath.Join(dir, "m2"), "/bin/sh", "-c", "echo left; sleep 3 &"); err != nil || string(out) != "left\n" {
		t.Fatalf("a handler leaving a process behind: %v, output %q", err, out)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if err := served(); err != nil {
		t.Fatalf("ServeClaims: %v", err)
	}
}
