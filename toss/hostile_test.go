package toss_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// forge makes a packet from alice to bob with any plain header, the way
// a hostile but key-holding sender could.
func forge(t *testing.T, l *lab, ph packet.PlainHeader, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := packet.NewWriter(&out, l.cfgs["alice"].Self.Identity(), l.cfgs["alice"].Neigh["bob"].Peer(), ph, packet.WriteOptions{Nice: 224})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestHostilePacketsRefused(t *testing.T) {
	l := newLab(t)
	// A secret outside incoming, a link inside it pointing out.
	if err := os.WriteFile(l.path("bob", "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(l.path("bob"), l.path("bob", "incoming", "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(l.path("bob", "secret"), l.path("bob", "pub", "link-out")); err != nil {
		t.Fatal(err)
	}
	file := func(p string) packet.PlainHeader { return packet.PlainHeader{Type: packet.TypeFile, Path: []byte(p)} }
	good := forge(t, l, file("good.txt"), []byte("good"))
	cases := []struct {
		name string
		data []byte
		log  string
	}{
		{"dotdot", forge(t, l, file("../evil"), []byte("x")), "climbs out"},
		{"deep dotdot", forge(t, l, file("a/../../evil"), []byte("x")), "climbs out"},
		{"absolute", forge(t, l, file("/tmp/evil"), []byte("x")), "absolute path"},
		{"nul", forge(t, l, file("a\x00b"), []byte("x")), "NUL"},
		{"symlink", forge(t, l, file("escape/evil"), []byte("x")), "symbolic link"},
		{"unlisted handle", forge(t, l, packet.PlainHeader{Type: packet.TypeExecFat, Path: []byte("rm\x00-rf")}, []byte("x")), "not listed"},
		{"freq outside", forge(t, l, packet.PlainHeader{Type: packet.TypeFreq, Path: []byte("../secret")}, []byte("x")), "climbs out"},
		{"freq via link", forge(t, l, packet.PlainHeader{Type: packet.TypeFreq, Path: []byte("link-out")}, []byte("x")), "symbolic link"},
	}
	sig := bytes.Clone(good)
	sig[130] ^= 1
	flipped := bytes.Clone(good)
	flipped[300] ^= 1
	stranger := bytes.Clone(good)
	stranger[20] ^= 1 // sender id no neighbour has
	cases = append(cases,
		struct {
			name string
			data []byte
			log  string
		}{"bad signature", sig, "signature is invalid"},
		struct {
			name string
			data []byte
			log  string
		}{"flipped bit", flipped, "authentication failed"},
		struct {
			name string
			data []byte
			log  string
		}{"truncated", good[:len(good)-5], "truncated"},
		struct {
			name string
			data []byte
			log  string
		}{"unknown sender", stranger, "unknown sender"},
	)
	for _, c := range cases {
		l.put(t, "bob", "alice", spool.RX, c.data)
	}
	goodID := l.put(t, "bob", "alice", spool.RX, good)
	res, err := l.toss(t, "bob", toss.Options{})
	if err == nil {
		t.Error("toss reported success despite refused packets")
	}
	if got := string(readFile(t, l.path("bob", "incoming", "good.txt"))); got != "good" {
		t.Fatalf("good packet not delivered: %q", got)
	}
	if l.spool["bob"].Has(l.id("alice"), spool.RX, goodID) {
		t.Error("good packet left in rx")
	}
	if res.SetAside != len(cases) {
		t.Errorf("set aside %d packets, want %d", res.SetAside, len(cases))
	}
	logs := l.logs["bob"].String()
	for _, c := range cases {
		if n := strings.Count(logs, c.log); n == 0 {
			t.Errorf("%s: no log line mentioning %q", c.name, c.log)
		}
	}
	if _, err := os.Stat(l.path("bob", "evil")); err == nil {
		t.Error("a file escaped incoming")
	}
	if _, err := os.Stat("/tmp/evil"); err == nil {
		t.Error("an absolute path was written")
	}
	if bad, _ := filepath.Glob(l.path("bob", "spool", l.id("alice").String(), "rx", "bad", "*")); len(bad) != len(cases) {
		t.Errorf("%d packets in rx/bad, want %d", len(bad), len(cases))
	}
	// A second toss has nothing left to refuse: no retry storm.
	l.logs["bob"].Reset()
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil || l.logs["bob"].Len() != 0 {
		t.Errorf("second toss: %v %s", err, l.logs["bob"])
	}
}

func TestTossOptions(t *testing.T) {
	l := newLab(t)
	body := []byte("hello")
	q := l.q("alice")
	if err := os.WriteFile(l.path("f.txt"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	dest := queueDest(l, "alice", "bob")
	if _, err := q.File(t.Context(), dest, l.path("f.txt"), "f.txt", fileOpts(224)); err != nil {
		t.Fatal(err)
	}
	kept := l.jobs(t, "alice", "bob", spool.TX)[0]
	keptData := l.read(t, "alice", kept)
	l.move(t, "alice", "bob")
	// --nofile and --dryrun leave the packet.
	for _, opt := range []toss.Options{{Skip: toss.TypeSet(0).With(packet.TypeFile)}, {DryRun: true}} {
		if _, err := l.toss(t, "bob", opt); err != nil {
			t.Fatal(err)
		}
		if len(l.jobs(t, "bob", "alice", spool.RX)) != 1 {
			t.Fatalf("%+v: packet gone", opt)
		}
		if _, err := os.Stat(l.path("bob", "incoming", "f.txt")); err == nil {
			t.Fatalf("%+v: file written", opt)
		}
	}
	// --seen and --gen-ack.
	jobs := l.jobs(t, "bob", "alice", spool.RX)
	if _, err := l.toss(t, "bob", toss.Options{Seen: true, GenACK: true}); err != nil {
		t.Fatal(err)
	}
	if !l.spool["bob"].Seen(l.id("alice"), jobs[0].ID) {
		t.Error("no seen marker")
	}
	if n := len(l.jobs(t, "bob", "alice", spool.TX)); n != 1 {
		t.Fatalf("%d ACKs queued", n)
	}
	// The same packet arriving again is recognised as a duplicate.
	l.put(t, "bob", "alice", spool.RX, keptData)
	if _, err := l.toss(t, "bob", toss.Options{Seen: true}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(l.path("bob", "incoming")); len(ents) != 1 {
		t.Errorf("duplicate delivered again: %d files", len(ents))
	}
	// Had alice kept her copy, the ACK coming back clears it.
	l.put(t, "alice", "bob", spool.TX, keptData)
	l.move(t, "bob", "alice")
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := len(l.jobs(t, "alice", "bob", spool.TX)); n != 0 {
		t.Errorf("ACK left %d packets in alice's queue", n)
	}
}
