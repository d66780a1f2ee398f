package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCfgSearchPath: a packager's default first, then Debian's, then
// NNCP's upstream default.
func TestCfgSearchPath(t *testing.T) {
	old := DefaultCfg
	defer func() { DefaultCfg = old }()
	DefaultCfg = ""
	if got := cfgSearchPath(); !reflect.DeepEqual(got, []string{"/etc/nncp.hjson", "/usr/local/etc/nncp.hjson"}) {
		t.Errorf("default search path %q", got)
	}
	DefaultCfg = "/opt/ferry/nncp.hjson"
	if got := cfgSearchPath(); !reflect.DeepEqual(got, []string{"/opt/ferry/nncp.hjson", "/etc/nncp.hjson", "/usr/local/etc/nncp.hjson"}) {
		t.Errorf("packager's search path %q", got)
	}
}

// TestCfgBuildTimeDefault: a binary built with -X main.DefaultCfg finds
// its config with neither --cfg nor NNCPCFG.
func TestCfgBuildTimeDefault(t *testing.T) {
	cfg := labCfg(t, "alice")
	bin := filepath.Join(t.TempDir(), "ferry")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.DefaultCfg="+cfg, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "cfgmin")
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cfgmin with the built-in default: %v\n%s", err, out)
	}
}
