package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGcSurvivesSIGKILL kills `ferry gc` at random moments over a big
// seeded spool: real tracked packets and every kind of marker, half of
// each past its limit and half well within it. After every kill nothing
// young is gone, ferry check and nncp-check find the spool clean, and
// every tracked message whose packet is gone says expired; a rerun
// finishes the job: every old file gone, every young one still there.
func TestGcSurvivesSIGKILL(t *testing.T) {
	t.Parallel() // mostly waiting on other processes
	l := newNetLab(t)
	b, err := os.ReadFile(l.cfg("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.cfg("alice"), []byte(strings.Replace(string(b), "{",
		"{\n  ferry-age: {\n    tx: 30d\n    rx: 30d\n    bad: 30d\n  }\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	spoolDir := l.path("alice", "spool")
	bob := l.ids["bob"]
	oldTime, youngTime := time.Now().Add(-40*24*time.Hour), time.Now().Add(-24*time.Hour)
	old, young := map[string]bool{}, map[string]bool{}
	age := func(p string, isOld bool) {
		at := youngTime
		if isOld {
			at = oldTime
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(spoolDir, p)
		map[bool]map[string]bool{true: old, false: young}[isOld][rel] = true
	}
	// Real packets, each a tracked message: 60 queued for bob.
	var ids []string
	for i := range 60 {
		out := l.ferry(t, "alice", []byte(fmt.Sprintf("file %d", i)), "file", "--print-id", "-", fmt.Sprintf("bob:f%d", i)).stdout
		id := strings.TrimSpace(string(out))
		ids = append(ids, id)
		age(filepath.Join(spoolDir, bob, "tx", id), i%2 == 0)
	}
	// Markers and leftovers by the thousand, in NNCP's layout.
	plant := func(isOld bool, p ...string) {
		path := filepath.Join(append([]string{spoolDir}, p...)...)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		age(path, isOld)
	}
	for i := range 600 {
		o := i%2 == 0
		id := seedID(uint64(i))
		switch i % 6 {
		case 0, 1:
			plant(o, bob, "rx", "seen", id)
		case 2:
			plant(o, bob, "rx", id+".part")
		case 3:
			plant(o, bob, "area", seedID(9999), id)
		case 4:
			plant(o, bob, "rx", "bad", id)
		case 5:
			plant(o, "tmp", fmt.Sprintf("ferry%x.1.%d", i, i))
		}
	}
	check := func(final bool) {
		t.Helper()
		for rel := range young {
			if _, err := os.Lstat(filepath.Join(spoolDir, rel)); err != nil {
				t.Fatalf("a young file went: %s", rel)
			}
		}
		left := 0
		for rel := range old {
			if _, err := os.Lstat(filepath.Join(spoolDir, rel)); err == nil {
				left++
			}
		}
		t.Logf("old files left: %d of %d", left, len(old))
		if final && left > 0 {
			t.Fatalf("%d old files left after a full run", left)
		}
		if r := ferry(t, nil, "check", "--cfg", l.cfg("alice"), "--quiet"); r.code != 0 {
			t.Fatalf("ferry check: exit %d\n%s", r.code, r.stderr)
		}
		if _, err := exec.LookPath("nncp-check"); err == nil {
			l.nncp(t, "alice", nil, "nncp-check")
		}
		tr := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--json")
		var recs []struct{ ID, State, Reason string }
		if err := json.Unmarshal(tr.stdout, &recs); err != nil || len(recs) != len(ids) {
			t.Fatalf("track: %v, %d records\n%s", err, len(recs), tr.stdout)
		}
		for _, r := range recs {
			rel := filepath.Join(bob, "tx", r.ID)
			_, err := os.Lstat(filepath.Join(spoolDir, rel))
			switch {
			case err != nil && r.State != "expired":
				t.Fatalf("%s is gone and its record says %s", r.ID, r.State)
			case r.State == "expired" && (r.Reason != "removed by age policy" || !old[rel]):
				t.Fatalf("%s expired (%s) but is not old", r.ID, r.Reason)
			case r.State != "expired" && r.State != "queued":
				t.Fatalf("%s: %s", r.ID, r.State)
			}
		}
	}
	if _, err := exec.LookPath("nncp-check"); err != nil {
		t.Log("nncp-check not installed (apt-get install nncp): the spool is checked by ferry check alone")
	}
	for kill := range 12 {
		cmd := exec.Command(ferryBin, "gc", "--cfg", l.cfg("alice"), "--quiet")
		cmd.Env = append(os.Environ(), "NNCPCFG=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Within the first run's time on this machine: most kills land
		// inside a pass; one that comes after it ends changes nothing.
		time.Sleep(time.Duration(rng.IntN(40+kill*5)) * time.Millisecond)
		// It may have finished already (Kill then says so): check
		// holds either way.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		check(false)
	}
	r := ferry(t, nil, "gc", "--cfg", l.cfg("alice"))
	if r.code != 0 {
		t.Fatalf("the rerun: exit %d\n%s", r.code, r.stderr)
	}
	check(true)
}
