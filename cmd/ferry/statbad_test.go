package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// garbageName is a valid packet name (52 Base32 characters) for a file
// that is not a packet.
var garbageName = strings.Repeat("A", 52)

// putGarbage writes junk under a packet's name in node's queue for peer.
func putGarbage(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, garbageName)
	if err := os.WriteFile(p, bytes.Repeat([]byte("garbage "), 40), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStatBadFileFails: a queue stat cannot list in full makes it exit
// 1, after printing what it could list, with one error line naming the
// file that is not a packet. --json keeps its output valid and fails too.
func TestStatBadFileFails(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("src.txt"), []byte("x"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src.txt"), "bob:")
	junk := putGarbage(t, l.queue("alice", "bob", "tx"))

	r := ferry(t, nil, "stat", "--cfg", l.cfg("alice"))
	if r.code != 1 {
		t.Errorf("stat with a bad file in tx/ exited %d, want 1\n%s", r.code, r.stderr)
	}
	if out := string(r.stdout); !strings.HasPrefix(out, "bob\n") || !strings.Contains(out, "tx      1 packets") {
		t.Errorf("stat did not list the good packet:\n%s", out)
	}
	stderr := string(r.stderr)
	if n := strings.Count(stderr, "ferry: error: stat: "+junk+": not listed: "); n != 1 {
		t.Errorf("want one error line naming %s, got %d:\n%s", junk, n, stderr)
	}
	if !strings.Contains(stderr, "ferry: error: stat: 1 file in the queues named as packets but unreadable as packets\nferry: hint: ") {
		t.Errorf("no closing error with a hint:\n%s", stderr)
	}

	r = ferry(t, nil, "stat", "--cfg", l.cfg("alice"), "--json")
	var stats []nodeStat
	if err := json.Unmarshal(r.stdout, &stats); err != nil || r.code != 1 {
		t.Errorf("stat --json with a bad file: exit %d, %v\n%s", r.code, err, r.stdout)
	}

	// Removed as the hint says, the queue lists in full again.
	l.ferry(t, "alice", []byte(garbageName+"\n"), "rm", "--node", "bob", "--pkt")
	if _, err := os.Stat(junk); !os.IsNotExist(err) {
		t.Fatalf("rm --node bob --pkt left the bad file: %v", err)
	}
	if r := ferry(t, nil, "stat", "--cfg", l.cfg("alice")); r.code != 0 || len(r.stderr) != 0 {
		t.Errorf("stat without the bad file: exit %d\n%s", r.code, r.stderr)
	}
}

// TestNNCPStatBadFile: run as nncp-stat, a bad file in tx/ leaves the
// status NNCP 8.8.2 gives (0: it skips such files) and the same listing;
// ferry says it as a warning.
func TestNNCPStatBadFile(t *testing.T) {
	t.Parallel()
	got := map[string]string{}
	for _, tw := range newTwins(t) {
		mustWrite(t, filepath.Join(tw.lab.dir, "s.txt"), []byte("x"), 0o644)
		tw.must(t, "alice", nil, "nncp-file", "-quiet", filepath.Join(tw.lab.dir, "s.txt"), "bob:")
		putGarbage(t, tw.lab.queue("alice", "bob", "tx"))
		c := tw.cmd("alice", "nncp-stat")
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		if code := exitOf(t, c.Run(), tw.kind, "nncp-stat", &errb); code != 0 {
			t.Errorf("%s: nncp-stat with a bad file in tx/ exited %d, want 0", tw.kind, code)
		}
		got[tw.kind] = out.String()
		if tw.kind == "ferry" && !strings.Contains(errb.String(), "ferry: warning: stat: ") {
			t.Errorf("ferry's nncp-stat did not warn about the bad file:\n%s", errb.String())
		}
	}
	if got["ferry"] != got["nncp"] {
		t.Errorf("nncp-stat differs:\nferry:\n%s\nnncp:\n%s", got["ferry"], got["nncp"])
	}
}
