// Package labtest is the test lab every package's tests share: the three
// nodes of the NNCP vectors (alice, bob, carol; alice reaches carol via
// bob) with their configs, an exec handler that records what it is
// given, and the MTH test input. It uses the standard library only, so
// the internal tests of packet and cfg can import it too; the lab with
// parsed configs and open spools is in labtest/labnode.
//
// The configs are packet/testdata/nncp/configs, the one copy, kept with
// the vectors made from them. They name their paths @LAB@/NODE/...:
// @LAB@ is replaced by the lab's directory.
package labtest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Nodes are the lab's nodes, in the vectors' order.
var Nodes = []string{"alice", "bob", "carol"}

// IDs are the nodes' ids as the vectors' manifest records them.
var IDs = map[string]string{
	"alice": "ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ",
	"bob":   "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A",
	"carol": "BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ",
}

// VecDir is the directory of the NNCP vectors, packet/testdata/nncp,
// found from this file so that a test in any package can use it.
func VecDir() string { return filepath.Join(moduleRoot(), "packet", "testdata", "nncp") }

// moduleRoot is the module's directory: two up from this file's.
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("labtest: no caller information to find the test data")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// ConfigText is node's lab config with its paths under dir.
func ConfigText(t testing.TB, node, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(VecDir(), "configs", node+".hjson"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(b), "@LAB@", dir))
}

// CfgPath is where New writes node's config in the lab dir.
func CfgPath(dir, node string) string { return filepath.Join(dir, node+".hjson") }

// New makes the lab on disk in a fresh temporary directory and returns
// it: each node's config as DIR/NODE.hjson, the directories its config
// names (incoming, pub, area-incoming, spool) and DIR/handler.sh, the
// exec handler the configs name.
func New(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range Nodes {
		if err := os.WriteFile(CfgPath(dir, n), ConfigText(t, n, dir), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"incoming", "pub", "area-incoming", "spool"} {
			if err := os.MkdirAll(filepath.Join(dir, n, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "handler.sh"), []byte(HandlerScript), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// HandlerScript records what an exec handler is given: its arguments,
// its NNCP_ environment and its stdin, in the directory named by its
// first argument. The environment a handler gets has no PATH.
const HandlerScript = `#!/bin/sh
out=$1; shift
/bin/mkdir -p "$out"
printf '%s\n' "$@" > "$out/args"
/usr/bin/env | /bin/grep '^NNCP_' | /usr/bin/sort > "$out/env"
/bin/cat > "$out/stdin"
`

// MTHInput is the MTH vectors' input of n bytes: i%251 at offset i.
func MTHInput(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}
