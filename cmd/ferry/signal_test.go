package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestInterruptStopsLongRunningCommands: SIGINT cancels the one context
// main makes, and each command that runs until interrupted ends cleanly
// with status 0, as ferry or as nncp-CMD. The config is fed through a
// FIFO: the command opens it after main installed its signal handler, so
// once the test's open for writing returns, SIGINT cannot arrive before
// the command can catch it.
func TestInterruptStopsLongRunningCommands(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	nncpToss := filepath.Join(t.TempDir(), "nncp-toss")
	if err := os.Symlink(ferryBin, nncpToss); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"toss --cycle", []string{ferryBin, "toss", "--cfg", "FIFO", "--cycle", "3600"}},
		{"check --cycle", []string{ferryBin, "check", "--cfg", "FIFO", "--cycle", "3600"}},
		{"daemon", []string{ferryBin, "daemon", "--cfg", "FIFO", "--bind", "127.0.0.1:0"}},
		{"nncp-toss -cycle", []string{nncpToss, "-cfg", "FIFO", "-cycle", "3600"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, err := os.ReadFile(l.cfg("bob"))
			if err != nil {
				t.Fatal(err)
			}
			fifo := filepath.Join(t.TempDir(), "bob.hjson")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			argv := append([]string(nil), c.argv...)
			for i := range argv {
				if argv[i] == "FIFO" {
					argv[i] = fifo
				}
			}
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG=")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Blocks until the command opens the config for reading.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				sendSignal(t, cmd.Process, syscall.SIGKILL)
				t.Fatal(err)
			}
			_, err = w.Write(body)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				sendSignal(t, cmd.Process, syscall.SIGKILL)
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("after SIGINT: %v, want exit status 0", err)
				}
			case <-time.After(30 * time.Second):
				sendSignal(t, cmd.Process, syscall.SIGKILL)
				t.Fatal("still running 30 s after SIGINT")
			}
		})
	}
}
