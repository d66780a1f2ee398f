package toss

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestClaimScript: the shell wrapper runs a command only for the first
// claimant of a marker, and tells the other cases apart by exit code.
func TestClaimScript(t *testing.T) {
	if _, err := os.Stat(claimShell); err != nil {
		t.Skipf("%s missing: toss falls back to markers written before the start", claimShell)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	out := filepath.Join(dir, "out")
	run := func(marker string, argv ...string) int {
		t.Helper()
		err := exec.Command(claimShell, append([]string{"-c", claimScript, marker}, argv...)...).Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	handler := []string{"/bin/sh", "-c", `echo "ran $1" >>"$0"`, out, "with 'quotes' and spaces"}
	if code := run(marker, handler...); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	if code := run(marker, handler...); code != claimTaken {
		t.Fatalf("second run: exit %d, want %d", code, claimTaken)
	}
	if b, _ := os.ReadFile(out); string(b) != "ran with 'quotes' and spaces\n" {
		t.Fatalf("handler output %q: want one run with its argument intact", b)
	}
	if code := run(filepath.Join(dir, "no-such-dir", "m"), handler...); code != 126 {
		t.Errorf("unclaimable marker: exit %d, want 126", code)
	}
	if code := run(filepath.Join(dir, "m2"), filepath.Join(dir, "no-such-handler")); code != 127 {
		t.Errorf("missing handler: exit %d, want 127", code)
	}
}
