package main

import (
	"os"
	"strings"
	"testing"
)

// TestDoctorReadsExecAttempts: doctor reports an exec packet whose
// handler failed from the spool's record of its attempts, with the count
// against the limit and the reason, even when the log that said so was
// rotated away.
func TestDoctorReadsExecAttempts(t *testing.T) {
	t.Parallel()
	l := newDoctorLab(t)
	var seed doctorSeed
	for _, s := range doctorSeeds(l) {
		if s.kind == "rx-failing" {
			seed = s
		}
	}
	seed.plant(t, l)
	if err := os.Remove(l.path("alice", "log")); err != nil {
		t.Fatal(err)
	}
	r := runDoctorCmd(t, l)
	out := string(r.stdout)
	if r.code != doctorErrors || !strings.Contains(out, "error: rx-failing") || !strings.Contains(out, l.failing) {
		t.Fatalf("exit %d, want rx-failing naming %s:\n%s%s", r.code, l.failing, out, r.stderr)
	}
	if !strings.Contains(out, "failed 1 of 5 times") || !strings.Contains(out, "handler exited 1: mailbox full") ||
		!strings.Contains(out, "next try after") || !strings.Contains(out, "--retry-now") {
		t.Errorf("the finding does not give the attempts, the reason and the next try:\n%s", out)
	}
}
