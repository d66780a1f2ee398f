package main

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"testing"
)

// bundle --tx means what nncp-bundle -tx means: the packets written stay
// queued unless --delete is given, since the stream may be lost with its
// tape. --keep, which old scripts pass, changes nothing.
func TestBundleTxKeepsPacketsUnlessDelete(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		left int
	}{
		{[]string{"--tx", "bob"}, 1},
		{[]string{"--tx", "--keep", "bob"}, 1},
		{[]string{"--tx", "--delete", "bob"}, 0},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			l := newNetLab(t)
			randomFile(t, l.path("src"), 3000)
			l.ferry(t, "alice", nil, "file", l.path("src"), "bob:b.bin")
			tx := l.queue("alice", "bob", "tx")
			if n := l.count(tx); n != 1 {
				t.Fatalf("%d packets queued before the bundle, want 1", n)
			}
			stream := l.ferry(t, "alice", nil, append([]string{"bundle"}, c.args...)...).stdout
			if n := bundledPackets(t, stream, "NNCP/"+l.ids["bob"]+"/"+l.ids["alice"]+"/"); n != 1 {
				t.Fatalf("the stream carries %d packets for bob, want 1", n)
			}
			if n := l.count(tx); n != c.left {
				t.Fatalf("bundle %v left %d packets queued, want %d", c.args, n, c.left)
			}
			if c.left == 0 {
				return
			}
			// NNCP's check of a written stream: reading it back with
			// --rx --delete verifies it and clears the queue.
			l.ferry(t, "alice", stream, "bundle", "--rx", "--delete")
			if n := l.count(tx); n != 0 {
				t.Errorf("bundle --rx --delete of our own stream left %d packets queued", n)
			}
		})
	}
}

func TestBundleKeepAndDeleteConflict(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	r := ferry(t, nil, "bundle", "--cfg", l.cfg("alice"), "--tx", "--keep", "--delete", "bob")
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("--keep and --delete contradict each other")) {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}

// bundledPackets counts the regular entries of a tar stream under dir.
func bundledPackets(t *testing.T, stream []byte, dir string) int {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(stream))
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("bundle stream: %v", err)
		}
		if h.Typeflag == tar.TypeReg && strings.HasPrefix(h.Name, dir) {
			n++
		}
	}
}
