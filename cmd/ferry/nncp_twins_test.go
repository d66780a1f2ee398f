package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// The drop-in suite: NNCP's documented command lines run against ferry's
// nncp-* links and against the real /usr/bin/nncp-* on twin labs (the
// same keys and config, separate spools), and the outcomes compared:
// files delivered, packets queued or removed, exit status, the output
// scripts read.

var (
	linksOnce sync.Once
	linksDir  string
	linksErr  error
)

// nncpLinks makes the nncp-* links to the test's ferry binary once.
func nncpLinks(t *testing.T) string {
	t.Helper()
	linksOnce.Do(func() {
		linksDir = filepath.Join(filepath.Dir(ferryBin), "links")
		if linksErr = os.MkdirAll(linksDir, 0o755); linksErr != nil {
			return
		}
		out, err := exec.Command(ferryBin, "links", "--quiet", linksDir).CombinedOutput()
		if err != nil {
			linksErr = fmt.Errorf("ferry links: %v\n%s", err, out)
		}
	})
	if linksErr != nil {
		t.Fatal(linksErr)
	}
	return linksDir
}

// twin is one side of a comparison: a lab and where its nncp-* live.
type twin struct {
	kind string // "ferry" or "nncp"
	lab  *netLab
	bin  string // directory of the nncp-* commands
	port string // bob's daemon address (until the daemon starts, one that refuses)
}

func newTwins(t *testing.T) []*twin {
	t.Helper()
	if _, err := os.Stat("/usr/bin/nncp-toss"); err != nil {
		t.Skip("nncp not installed (apt-get install nncp): the drop-in suite compares ferry's nncp-* links with it")
	}
	links := nncpLinks(t)
	var out []*twin
	for _, k := range []struct{ kind, bin string }{{"ferry", links}, {"nncp", "/usr/bin"}} {
		tw := &twin{kind: k.kind, lab: newNetLab(t), bin: k.bin, port: closedPort(t)}
		tw.patchConfigs(t)
		out = append(out, tw)
	}
	return out
}

// patchConfigs gives bob a sendmail handle for alice (the lab handler,
// which records its arguments and input), and alice a call schedule and
// two addresses for bob: the daemon's TCP port and a pipe running the
// twin's own nncp-daemon in inetd mode.
func (tw *twin) patchConfigs(t *testing.T) {
	t.Helper()
	l := tw.lab
	edit := func(node string, pairs ...string) {
		b, err := os.ReadFile(l.cfg(node))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%s config: no %q to patch", node, pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		if err := os.WriteFile(l.cfg(node), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	edit("bob", "        cat:\n", fmt.Sprintf("        sendmail: [%q, %q]\n        cat:\n", l.path("handler.sh"), l.path("bob", "mail")))
	// NNCPCFG, alice's here, would win over -cfg in the piped daemon:
	// env gives it bob's, as a login on bob's machine would.
	edit("alice", "        lo: 127.0.0.1:5402\n", fmt.Sprintf("        lo: %s\n        pipe: \"|/usr/bin/env NNCPCFG=%s %s -quiet -inetd\"\n",
		tw.port, l.cfg("bob"), filepath.Join(tw.bin, "nncp-daemon")),
		"      onlinedeadline: 2\n", fmt.Sprintf("      onlinedeadline: 2\n      calls: [{cron: \"* * * * * * *\", addr: %q, onlinedeadline: 1}]\n", tw.port))
}

// cmd builds an nncp-* command line run as node, the config given as
// NNCP users give it: NNCPCFG.
func (tw *twin) cmd(node, tool string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(tw.bin, tool), args...)
	c.Env = append(os.Environ(), "NNCPCFG="+tw.lab.cfg(node), "NNCPSPOOL=", "NNCPLOG=")
	return c
}

// run runs the command and returns its exit status and stdout.
func (tw *twin) run(t *testing.T, node string, stdin []byte, tool string, args ...string) (int, string) {
	t.Helper()
	c := tw.cmd(node, tool, args...)
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	return exitOf(t, c.Run(), tw.kind, tool, &errb), out.String()
}

func exitOf(t *testing.T, err error, kind, tool string, stderr *bytes.Buffer) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Logf("%s %s: exit %d: %s", kind, tool, ee.ExitCode(), stderr)
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// must runs the command and fails the test unless it exits 0.
func (tw *twin) must(t *testing.T, node string, stdin []byte, tool string, args ...string) string {
	t.Helper()
	code, out := tw.run(t, node, stdin, tool, args...)
	if code != 0 {
		t.Fatalf("%s: %s %v as %s: exit %d", tw.kind, tool, args, node, code)
	}
	return out
}

func (tw *twin) count(node, peer, xx string) int { return tw.lab.count(tw.lab.queue(node, peer, xx)) }

func (tw *twin) readFile(node string, p ...string) string {
	b, _ := os.ReadFile(tw.lab.path(append([]string{node}, p...)...))
	return string(b)
}

// waitFor polls cond until it holds or the deadline passes; the deadline
// only bounds a hung run, the outcome is what cond checks.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 15 s", what)
}

// same fails unless both twins got the outcome, and the ferry one is want.
func same[T any](t *testing.T, what string, got map[string]T, want T) {
	t.Helper()
	if !reflect.DeepEqual(got["ferry"], got["nncp"]) {
		t.Errorf("%s differs:\nferry: %#v\nnncp:  %#v", what, got["ferry"], got["nncp"])
	}
	if !reflect.DeepEqual(got["nncp"], want) {
		t.Errorf("%s: got %#v, want %#v", what, got["nncp"], want)
	}
}
