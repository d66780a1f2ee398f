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
	handler := []string{"/bin/sh", "-c", `cat >/dev/null; echo "ran $1" >>"$0"; exit "${2:-0}"`, ranLog}
	c, served := claimPair(t)
	run := func(marker string, argv ...string) (string, error) {
		t.Helper()
		in, err := os.CreateTemp(dir, "in")
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.CreateTemp(dir, "out")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = in.Close(), out.Close() }()
		wait, err := c.start(marker, argv, []string{"A=1"}, in, out, in)
		if err != nil {
			t.Fatal(err)
		}
		err = wait()
		b, _ := os.ReadFile(out.Name())
		return string(b), err
	}
	m1 := filepath.Join(dir, "m1")
	if out, err := run(m1, append(handler, "with 'quotes' and spaces")...); err != nil {
		t.Fatalf("first run: %v (%s)", err, out)
	}
	if _, err := run(m1, append(handler, "again")...); !errors.Is(err, errClaimTaken) {
		t.Fatalf("second claim of one marker: %v, want errClaimTaken", err)
	}
	var he *handlerExit
	if _, err := run(filepath.Join(dir, "m2"), append(handler, "failing", "3")...); !errors.As(err, &he) || he.ExitCode() != 3 {
		t.Fatalf("failing handler: %v, want exit status 3", err)
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
	out, _ := os.Create(filepath.Join(dir, "orphan-out"))
	if _, err := c.start(filepath.Join(dir, "m5"), append(handler, "orphan"), nil, in, out, in); err != nil {
		t.Fatal(err)
	}
	_, _ = in.Close(), out.Close()
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
