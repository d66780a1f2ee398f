package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestConcurrentSpoolUse runs `ferry toss --cycle 1`, twenty parallel
// `ferry file` and repeated `ferry stat` against one spool directory
// (alice's and bob's queues side by side, sharing tmp/ and the index).
func TestConcurrentSpoolUse(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	shared := l.path("shared-spool")
	mustMkdirAll(t, shared)
	run := func(node string, args ...string) result {
		return ferryExec(t, nil, append([]string{args[0], "--cfg", l.cfg(node), "--spool", shared, "--quiet"}, args[1:]...)...)
	}
	tosser := exec.Command(ferryBin, "toss", "--cfg", l.cfg("bob"), "--spool", shared, "--quiet", "--cycle", "1")
	tosser.Env = append(os.Environ(), "NNCPCFG=")
	if err := tosser.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sendSignal(t, tosser.Process, syscall.SIGINT)
		if err := tosser.Wait(); err != nil {
			t.Errorf("toss --cycle after SIGINT: %v, want exit status 0", err)
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		src := l.path(fmt.Sprintf("src%d", i))
		mustWrite(t, src, []byte(fmt.Sprintf("file %d\n", i)), 0o644)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if r := run("alice", "file", src, fmt.Sprintf("bob:f%d", i)); r.code != 0 {
				t.Errorf("file %d: %s", i, r.stderr)
			}
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; k < 15; k++ {
			for _, n := range []string{"alice", "bob"} {
				if r := run(n, "stat"); r.code != 0 {
					t.Errorf("stat: %s", r.stderr)
				}
			}
		}
	}()
	// Meanwhile carry packets from alice's tx to bob's rx, as media would.
	txDir := filepath.Join(shared, l.ids["bob"], "tx")
	rxDir := filepath.Join(shared, l.ids["alice"], "rx")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mustMkdirAll(t, rxDir)
		ents, _ := os.ReadDir(txDir)
		for _, e := range ents {
			if len(e.Name()) == 52 {
				mustRename(t, filepath.Join(txDir, e.Name()), filepath.Join(rxDir, e.Name()))
			}
		}
		delivered, _ := filepath.Glob(l.path("bob", "incoming", "f*"))
		select {
		case <-done:
			if len(delivered) == 20 {
				goto finished
			}
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 20 files delivered", len(delivered))
		}
		time.Sleep(100 * time.Millisecond)
	}
finished:
	for i := 0; i < 20; i++ {
		got, err := os.ReadFile(l.path("bob", "incoming", fmt.Sprintf("f%d", i)))
		if err != nil || string(got) != fmt.Sprintf("file %d\n", i) {
			t.Errorf("f%d: %q %v", i, got, err)
		}
	}
	if extra, _ := filepath.Glob(l.path("bob", "incoming", "f*.0")); len(extra) > 0 {
		t.Errorf("delivered twice: %v", extra)
	}
	for _, n := range []string{"alice", "bob"} {
		if r := run(n, "check"); r.code != 0 {
			t.Errorf("check as %s: %s", n, r.stderr)
		}
	}
}
