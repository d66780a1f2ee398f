package main

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// sendSignal sends sig to a process the test started. A process that has
// exited already is no failure here (a test that cares how it ended
// checks its Wait); any other error, a live process not signalled, is.

func sendSignal(t testing.TB, p *os.Process, sig os.Signal) {
	t.Helper()
	if err := p.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal %v to pid %d: %v", sig, p.Pid, err)
	}
}

// killWait kills a process the test started and reaps it. Its exit status
// (killed, or whatever it ended with before) tells the test nothing, nor
// does Wait's error when the test reaped it already: both are dropped.
func killWait(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	sendSignal(t, cmd.Process, os.Kill)
	_ = cmd.Wait() // killed: its status says so and no more
}
