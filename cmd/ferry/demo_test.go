package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDemo runs `make demo`'s script with the test binary: the newcomer's
// first command must keep working, and leave no daemon behind.
func TestDemo(t *testing.T) {
	out, err := exec.Command("bash", "../../testdata/demo.sh", ferryBin).CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Quarterly report: all systems nominal.", "Hi Carol, the report is on its way.", "Thanks, got it."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if err := exec.Command("pgrep", "-f", ferryBin+" daemon").Run(); err == nil {
		t.Error("demo left a daemon running")
	}
}
