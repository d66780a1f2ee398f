package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

// A config that can never work stops every command with one line naming
// the file and the field, before anything is queued.
func TestConfigThatCanNeverWorkIsRefused(t *testing.T) {
	t.Parallel()
	p := labCfg(t, "alice")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	route := "via:\n      [\n        bob\n"
	if !bytes.Contains(b, []byte(route)) {
		t.Fatal("alice's lab config no longer routes carol via bob")
	}
	b = bytes.Replace(b, []byte(route), []byte(route+"        self\n"), 1)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := ferry(t, []byte("hello"), "file", "--cfg", p, "-", "carol:x")
	want := "ferry: error: load config: " + p + ": neigh.carol.via[1]: self is this node itself: a route cannot pass through us\n"
	if r.code != 1 || string(r.stderr) != want {
		t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if n := strings.Count(string(r.stderr), p); n != 1 {
		t.Errorf("the config path appears %d times", n)
	}
}

// Errors that pass through several layers name each path once: the
// source of `ferry file` (queue and command both wrap it) and a meta file
// `ferry reass` cannot read.
func TestErrorsSayAPathOnce(t *testing.T) {
	t.Parallel()
	cfgPath := labCfg(t, "alice")
	missing := filepath.Join(t.TempDir(), "no-such-file")
	for _, args := range [][]string{
		{"file", "--cfg", cfgPath, missing, "bob:x"},
		{"reass", "--cfg", cfgPath, "--dump", missing + ".nncp.meta"},
		{"reass", "--cfg", cfgPath, missing + ".nncp.meta"},
	} {
		r := ferry(t, nil, args...)
		if r.code != 1 || !bytes.HasPrefix(r.stderr, []byte("ferry: error: ")) {
			t.Errorf("%v: exit %d, %s", args, r.code, r.stderr)
		}
		if n := strings.Count(string(r.stderr), missing); n != 1 {
			t.Errorf("%v: the path appears %d times: %s", args, n, r.stderr)
		}
	}
}

// --via is held to the config's limit on relays.
func TestViaFlagLimit(t *testing.T) {
	t.Parallel()
	p := labCfg(t, "alice")
	via := strings.TrimSuffix(strings.Repeat("bob,", cfg.MaxVia+1), ",")
	r := ferry(t, []byte("x"), "file", "--cfg", p, "--via", via, "-", "carol:x")
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("--via: 129 relays, more than the 128")) {
		t.Errorf("exit %d, %s", r.code, r.stderr)
	}
}
