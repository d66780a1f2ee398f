package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

// editLabCfg writes alice's lab config with after inserted after the
// first occurrence of anchor, and returns its path and the line number
// of the first inserted line.
func editLabCfg(t *testing.T, anchor, after string) (string, int) {
	t.Helper()
	p := labCfg(t, "alice")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(anchor))
	if i < 0 {
		t.Fatalf("alice's lab config lacks %q", anchor)
	}
	i += len(anchor)
	line := 1 + bytes.Count(b[:i], []byte("\n"))
	b = append(b[:i:i], append([]byte(after), b[i:]...)...)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, line
}

// A misspelt key is accepted, as NNCP accepts it, and warned about once
// on stderr with the nearest key, while the command does its work and
// keeps stdout for its output.
func TestConfigWarningOnceOnStderr(t *testing.T) {
	t.Parallel()
	p, line := editLabCfg(t, "    bob:\n    {\n", "      incomming: /tmp\n")
	want := fmt.Sprintf("ferry: warning: %s: line %d: neigh.bob.incomming: unknown key; did you mean incoming?\n", p, line)
	r := ferry(t, nil, "cfgmin", "--cfg", p)
	if r.code != 0 || string(r.stderr) != want {
		t.Fatalf("cfgmin: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	min, err := cfg.Parse(r.stdout)
	if err != nil || len(min.Warnings) > 0 {
		t.Fatalf("cfgmin's stdout is not a clean config: %v %v\n%s", err, min.Warnings, r.stdout)
	}
	// A command that opens the spool too: still once.
	r = ferry(t, nil, "stat", "--cfg", p)
	if r.code != 0 || strings.Count(string(r.stderr), "ferry: warning:") != 1 || !strings.Contains(string(r.stderr), want) {
		t.Fatalf("stat: exit %d, stderr %q", r.code, r.stderr)
	}
	// --quiet prints only errors.
	if r := ferry(t, nil, "stat", "--quiet", "--cfg", p); r.code != 0 || len(r.stderr) > 0 {
		t.Fatalf("stat --quiet: exit %d, stderr %q", r.code, r.stderr)
	}
}

// Syntax errors and Yggdrasil addresses stop the command at load time,
// saying where.
func TestConfigLoadErrorsSayWhere(t *testing.T) {
	t.Parallel()
	broken, line := editLabCfg(t, "    bob:\n    {\n", "      incoming: : /tmp\n")
	ygg, _ := editLabCfg(t, "        lo: 127.0.0.1:5402\n", "        ygg: \"yggdrasilc://52be3c14?prv=myprv\"\n")
	for _, c := range []struct{ cfg, want string }{
		{broken, fmt.Sprintf("ferry: error: load config: %s: line %d, column 17: found a punctuator character ':' when expecting a quoteless string (check your syntax)\n", broken, line)},
		{ygg, "ferry: error: load config: " + ygg + ": neigh.bob.addrs.ygg: yggdrasil addresses are not supported; run the Yggdrasil daemon and use its address\n"},
	} {
		r := ferry(t, nil, "stat", "--cfg", c.cfg)
		if r.code != 1 || string(r.stderr) != c.want {
			t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, c.want)
		}
	}
}
