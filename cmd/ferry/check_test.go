package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCheckCycle: check --cycle (nncp-check -cycle) checks again every
// SEC seconds until stopped; a damaged packet is reported each round.
func TestCheckCycle(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("x"), []byte("to be damaged\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("x"), "bob:")
	q := l.queue("alice", "bob", "tx")
	ents, _ := os.ReadDir(q)
	for _, e := range ents {
		if !e.IsDir() {
			f, err := os.OpenFile(filepath.Join(q, e.Name()), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt([]byte("XXXX"), 200)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(ferryBin, "check", "--cfg", l.cfg("alice"), "--cycle", "1")
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rounds := make(chan struct{}, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "packet damaged") {
				rounds <- struct{}{}
			}
		}
		close(rounds)
	}()
	for i := 0; i < 2; i++ {
		select {
		case _, ok := <-rounds:
			if !ok {
				t.Fatalf("check --cycle ended after %d rounds", i)
			}
		case <-time.After(15 * time.Second):
			sendSignal(t, cmd.Process, syscall.SIGKILL)
			t.Fatalf("check --cycle: round %d not reported", i+1)
		}
	}
	sendSignal(t, cmd.Process, syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("check --cycle with a damaged packet, stopped: %v, want exit 1", err)
	}
}
