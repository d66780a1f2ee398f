package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestExecTrackKillAnywhere: alice's `ferry exec` is killed at random
// moments while it writes its packet and, in the same fsync round, the
// message's tracking record (spool.Tmp.TrackWith). Whatever the moment,
// every run that exited 0 has its packet queued and its record kept,
// and no record names a packet that is not queued.
func TestExecTrackKillAnywhere(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 16))
	var ok []string // ids printed by runs that exited 0
	for range 30 {
		var out bytes.Buffer
		cmd := exec.Command(ferryBin, "exec", "--cfg", l.cfg("alice"), "--quiet", "--print-id", "bob", "handler", "x")
		cmd.Env = append(os.Environ(), "NNCPCFG=")
		cmd.Stdin = strings.NewReader("body\n")
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				ok = append(ok, strings.TrimSpace(out.String()))
			}
		case <-time.After(time.Duration(rng.IntN(25)) * time.Millisecond):
			sendSignal(t, cmd.Process, os.Kill)
			if err := <-done; err == nil {
				ok = append(ok, strings.TrimSpace(out.String()))
			}
		}
	}
	// And one that is not killed, so that some record exists.
	ok = append(ok, printedID(t, l.ferry(t, "alice", []byte("body\n"), "exec", "--print-id", "bob", "handler", "x")))
	queued := map[string]bool{}
	ents, err := os.ReadDir(l.queue("alice", "bob", "tx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if len(e.Name()) == 52 && e.Type().IsRegular() {
			queued[e.Name()] = true
		}
	}
	rows := l.track(t, "alice")
	t.Logf("%d runs exited 0, %d packets queued, %d records", len(ok), len(queued), len(rows))
	for _, id := range ok {
		if !queued[id] {
			t.Errorf("%s: exited 0, packet not queued", id)
		}
		if rows[id].State != "queued" {
			t.Errorf("%s: exited 0, record %+v", id, rows[id])
		}
	}
	for id := range rows {
		if !queued[id] {
			t.Errorf("%s: record for a packet not queued", id)
		}
	}
}
