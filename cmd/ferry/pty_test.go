package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here (%v): terminal behaviour (prompts, progress bars) not tested", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		_ = m.Close() // unused: only the error below matters
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		_ = m.Close() // unused: only the error below matters
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		_ = m.Close() // unused: only the error below matters
		t.Fatalf("open pty: %v", err)
	}
	return m, s
}

// onTerminal runs cmd in a new session whose controlling terminal is on
// its stdin (and its stderr, unless set), types the given text there as
// a user would, and returns what the terminal showed. The prompts
// (ReadPassword) find the typed lines waiting in the terminal's buffer.
func onTerminal(t *testing.T, cmd *exec.Cmd, typed string) (string, error) {
	t.Helper()
	m, s := openPTY(t)
	defer func() { _ = m.Close() }() // read to its end below: nothing is lost
	cmd.Stdin = s
	if cmd.Stderr == nil {
		cmd.Stderr = s
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err := cmd.Start()
	_ = s.Close() // our copy, only read by the child (it has its own)
	if err != nil {
		t.Fatal(err)
	}
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&screen, m) // ends with EIO once the child's end is closed
		close(done)
	}()
	if _, err := m.Write([]byte(typed)); err != nil {
		t.Errorf("type on the terminal: %v", err)
	}
	err = cmd.Wait()
	<-done
	return screen.String(), err
}
