package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/packet"
)

// netLab is the vectors' three-node lab on disk, driven through the real
// ferry binary and, where installed, the real NNCP tools.
type netLab struct {
	dir string
	ids map[string]string
}

func newNetLab(t *testing.T) *netLab {
	t.Helper()
	return &netLab{dir: labtest.New(t), ids: labtest.IDs}
}

func (l *netLab) cfg(n string) string     { return labtest.CfgPath(l.dir, n) }
func (l *netLab) path(p ...string) string { return filepath.Join(append([]string{l.dir}, p...)...) }
func (l *netLab) queue(n, peer, xx string) string {
	return l.path(n, "spool", l.ids[peer], xx)
}

// ferry runs the ferry binary as node n.
func (l *netLab) ferry(t *testing.T, n string, stdin []byte, args ...string) result {
	t.Helper()
	r := ferry(t, stdin, append([]string{args[0], "--cfg", l.cfg(n), "--quiet"}, args[1:]...)...)
	if r.code != 0 {
		t.Fatalf("ferry %v as %s: exit %d\n%s", args, n, r.code, r.stderr)
	}
	return r
}

// nncp runs an NNCP tool as node n.
func (l *netLab) nncp(t *testing.T, n string, stdin []byte, tool string, args ...string) []byte {
	t.Helper()
	base := []string{"-cfg", l.cfg(n)}
	if tool != "nncp-stat" {
		base = append(base, "-quiet")
	}
	cmd := exec.Command(tool, append(base, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v as %s: %v\n%s", tool, args, n, err, out)
	}
	return out
}

// carry moves every packet queued at from for to into to's rx, as a
// sneakernet would.
func (l *netLab) carry(t *testing.T, from, to string) int {
	t.Helper()
	src, dst := l.queue(from, to, "tx"), l.queue(to, from, "rx")
	mustMkdirAll(t, dst)
	ents, _ := os.ReadDir(src)
	n := 0
	for _, e := range ents {
		if !packet.IsPacketName(e.Name()) {
			continue
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
		removeIfThere(t, filepath.Join(src, "hdr", e.Name())) // a node with nohdr has none
		n++
	}
	return n
}

func (l *netLab) read(t *testing.T, p ...string) string {
	t.Helper()
	b, err := os.ReadFile(l.path(p...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (l *netLab) count(dir string) int {
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if packet.IsPacketName(e.Name()) {
			n++
		}
	}
	return n
}

// incomingIs says whether node's incoming/name holds want, and fails the
// test (without stopping it) when it does not; a test that cannot go on
// calls t.FailNow on false.
func (l *netLab) incomingIs(t *testing.T, node, name string, want []byte) bool {
	t.Helper()
	got, err := os.ReadFile(l.path(node, "incoming", name))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: incoming/%s is not what was sent (%d bytes, want %d; %v)", node, name, len(got), len(want), err)
		return false
	}
	return true
}

// mediumTx makes a fresh medium directory, xfers node's outgoing packets
// onto it (--mkdir) and returns its path.
func (l *netLab) mediumTx(t *testing.T, node string) string {
	t.Helper()
	medium := l.path("usb")
	if err := os.MkdirAll(medium, 0o755); err != nil {
		t.Fatal(err)
	}
	l.ferry(t, node, nil, "xfer", "--mkdir", "--tx", medium)
	return medium
}
