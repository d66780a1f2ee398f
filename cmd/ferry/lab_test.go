package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ferry/packet"
)

// netLab is the vectors' three-node lab on disk, driven through the real
// ferry binary and, where installed, the real NNCP tools.
type netLab struct {
	dir string
	ids map[string]string
}

const labHandler = `#!/bin/sh
out=$1; shift
/bin/mkdir -p "$out"
printf '%s\n' "$@" > "$out/args"
/usr/bin/env | /bin/grep '^NNCP_' | /usr/bin/sort > "$out/env"
/bin/cat > "$out/stdin"
`

func newNetLab(t *testing.T) *netLab {
	t.Helper()
	l := &netLab{dir: t.TempDir(), ids: map[string]string{
		"alice": "ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ",
		"bob":   "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A",
		"carol": "BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ",
	}}
	for n := range l.ids {
		b, err := os.ReadFile(filepath.Join(vecDir, "configs", n+".hjson"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(l.cfg(n), []byte(strings.ReplaceAll(string(b), "@LAB@", l.dir)), 0o600)
		for _, d := range []string{"incoming", "pub", "area-incoming", "spool"} {
			os.MkdirAll(l.path(n, d), 0o755)
		}
	}
	os.WriteFile(l.path("handler.sh"), []byte(labHandler), 0o755)
	return l
}

func (l *netLab) cfg(n string) string     { return filepath.Join(l.dir, n+".hjson") }
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
	os.MkdirAll(dst, 0o755)
	ents, _ := os.ReadDir(src)
	n := 0
	for _, e := range ents {
		if !packet.IsPacketName(e.Name()) {
			continue
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(src, "hdr", e.Name()))
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
