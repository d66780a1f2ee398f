package toss_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// A symbolic link already sitting at a received file's name holds that
// name like any file: the file goes beside it under the next free name
// (x.txt.0, as NNCP delivers), and nothing is written through the link.
func TestLeafSymlinkInIncomingGetsTheNextName(t *testing.T) {
	l := newLab(t)
	inc := l.path("bob", "incoming")
	secret := l.path("bob", "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"x.txt": secret,                      // to a file outside incoming
		"y.txt": "nowhere",                   // dangling
		"d":     l.path("bob"),               // to a directory outside incoming
		"e.txt": filepath.Join(inc, "x.txt"), // to another link
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(inc, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name := range links {
		l.put(t, "bob", "alice", spool.RX, forge(t, l, packet.PlainHeader{Type: packet.TypeFile, Path: []byte(name)}, []byte("from alice: "+name)))
	}
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
		t.Fatalf("toss: %v\n%s", err, l.logs["bob"])
	}
	for name, target := range links {
		if got := string(readFile(t, filepath.Join(inc, name+".0"))); got != "from alice: "+name {
			t.Errorf("%s.0 holds %q", name, got)
		}
		if got, err := os.Readlink(filepath.Join(inc, name)); err != nil || got != target {
			t.Errorf("link %s changed: %q %v", name, got, err)
		}
	}
	if got := string(readFile(t, secret)); got != "secret" {
		t.Errorf("written through a link: the secret now holds %q", got)
	}
	for _, p := range []string{l.path("bob", "d"), l.path("bob", "d.0"), l.path("bob", "incoming", "nowhere")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s created through a link", p)
		}
	}
	if len(l.jobs(t, "bob", "alice", spool.RX)) != 0 {
		t.Error("packets left in rx")
	}
}
