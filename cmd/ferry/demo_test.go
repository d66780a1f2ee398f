package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs `make demo`'s script with the test binary: the newcomer's
// first command must keep working, and leave no daemon behind.
func TestDemo(t *testing.T) {
	t.Parallel()
	// The demo runs ferry under a name of its own, so the check for a
	// daemon left behind sees the demo's and not a parallel test's.
	bin := filepath.Join(t.TempDir(), "ferry")
	if err := os.Symlink(ferryBin, bin); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "../../testdata/demo.sh", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Quarterly report: all systems nominal.", "Hi Carol, the report is on its way.", "Thanks, got it."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if err := exec.Command("pgrep", "-f", bin+" daemon").Run(); err == nil {
		t.Error("demo left a daemon running")
	}
}
