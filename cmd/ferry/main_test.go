package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/toss"
)

// ferryBin is the real binary, built once: tests run it as users do.
var ferryBin string

func TestMain(m *testing.M) {
	if os.Args[0] == toss.ClaimerName {
		// In-process tosses start this binary as their claimer: it must
		// serve claims as the real one does, not run the tests again.
		os.Exit(serveClaims())
	}
	// Most tests here wait on other processes: daemons, calls and their
	// idle deadlines, NNCP's tools, Postfix, builds.
	labtest.DefaultParallel(6)
	// The environment of the in-process runs, as ferryExec gives the
	// binary: no config, spool or log from the user's environment.
	for _, k := range []string{"NNCPCFG", "NNCPSPOOL", "NNCPLOG"} {
		if err := os.Unsetenv(k); err != nil {
			panic(err)
		}
	}
	dir, err := os.MkdirTemp("", "ferry-bin")
	if err != nil {
		panic(err)
	}
	ferryBin = filepath.Join(dir, "ferry")
	// Built as make builds it (CGO_ENABLED=0: static), so the tests run
	// what is shipped.
	build := exec.Command("go", "build", "-o", ferryBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build ferry: %v\n%s", err, out))
	}
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil { // a leftover binary: worth a line, not a failed run
		fmt.Fprintf(os.Stderr, "remove the test binary: %v\n", err)
	}
	os.Exit(code)
}

// vectors live with the packet package.
var vecDir = labtest.VecDir()

// labCfg writes node's lab config, its paths under a fresh directory.
func labCfg(t *testing.T, node string) string {
	t.Helper()
	dir := t.TempDir()
	p := labtest.CfgPath(dir, node)
	if err := os.WriteFile(p, labtest.ConfigText(t, node, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type result struct {
	stdout, stderr []byte
	code           int
}

// ferry runs one ferry command line in-process, through run as main
// does; TestMain cleared the environment ferryExec clears.
// Commands that must be their own process (daemons, calls, anything
// killed, timed by signals or run concurrently) use ferryExec.
func ferry(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, newStreams(bytes.NewReader(stdin), &out, &errb))
	return result{out.Bytes(), errb.Bytes(), code}
}

// ferryExec runs the real ferry binary, as users do.
func ferryExec(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG=")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.Bytes(), errb.Bytes(), code}
}

func needNNCP(t *testing.T, tool string) {
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (apt-get install nncp): skipping the interop check", tool)
	}
}

func TestEveryCommandHasHelpAndManPage(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		r := ferry(t, nil, c.name, "--help")
		if r.code != 0 || !bytes.Contains(r.stdout, []byte("usage: ferry "+c.name)) {
			t.Errorf("%s --help: exit %d, %s", c.name, r.code, r.stdout)
		}
		page := filepath.Join("../../man", "ferry-"+c.name+".1")
		if _, err := os.Stat(page); err != nil {
			t.Errorf("%s: no man page %s", c.name, page)
		}
		main, _ := os.ReadFile("../../man/ferry.1")
		if !bytes.Contains(main, []byte("Xr ferry-"+c.name+" 1")) {
			t.Errorf("ferry.1 does not list %s", c.name)
		}
	}
	mandoc, err := exec.LookPath("mandoc")
	if err != nil {
		t.Skip("mandoc not installed (apt-get install mandoc): man pages not linted")
	}
	pages, _ := filepath.Glob("../../man/*.[157]")
	out, err := exec.Command(mandoc, append([]string{"-Tlint", "-Wwarning"}, pages...)...).CombinedOutput()
	if err != nil {
		t.Errorf("mandoc -Tlint: %v\n%s", err, out)
	}
}

// TestUsageErrors is also the smoke test of the real binary: exit codes
// and error lines as a user's shell sees them.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"pkt", "--no-such-flag"}, {"no-such-command"}, {"hash", "--seek", "5"}} {
		r := ferryExec(t, nil, args...)
		if r.code != 2 || !bytes.HasPrefix(r.stderr, []byte("ferry: error: ")) {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := ferryExec(t, nil); r.code != 2 || !bytes.Contains(r.stderr, []byte("usage: ferry COMMAND")) {
		t.Errorf("no arguments: exit %d", r.code)
	}
	r := ferryExec(t, nil, "cfgmin", "--cfg", "/nonexistent/nncp.hjson")
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("ferry: error: load config")) || !bytes.Contains(r.stderr, []byte("ferry: hint:")) {
		t.Errorf("missing config: exit %d, %s", r.code, r.stderr)
	}
}

func TestConfigFromEnvironmentAndFlag(t *testing.T) {
	t.Parallel()
	good := labCfg(t, "alice")
	cmd := exec.Command(ferryBin, "cfgmin")
	cmd.Env = append(os.Environ(), "NNCPCFG="+good)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("NNCPCFG not used: %v %s", err, out)
	}
	// The flag wins over the environment.
	cmd = exec.Command(ferryBin, "cfgmin", "--cfg", "/nonexistent")
	cmd.Env = append(os.Environ(), "NNCPCFG="+good)
	if err := cmd.Run(); err == nil {
		t.Fatal("--cfg did not override NNCPCFG")
	}
}
