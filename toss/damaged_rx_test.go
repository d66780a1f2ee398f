package toss_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss"
)

// TestDamagedRxFileSetAside: a file with a packet's name but no packet's
// header in rx/ is moved to rx/bad/ with one log line on the first toss,
// which fails; the next toss is clean. A damaged hdr/ copy of a good
// packet does not make the packet look damaged.
func TestDamagedRxFileSetAside(t *testing.T) {
	l := newLab(t)
	rx := l.rxDir("bob", "alice")
	if err := os.MkdirAll(filepath.Join(rx, "hdr"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, log string
		data      []byte
	}{
		{"garbage", "unknown magic number", bytes.Repeat([]byte("garbage!"), 100)},
		{"short", "header truncated", []byte("NNCPE\x00\x00\x06short")},
		{"empty", "header truncated", nil},
	}
	var bad []string
	for i, c := range cases {
		name := packet.ID{byte(i + 1)}.String()
		bad = append(bad, name)
		if err := os.WriteFile(filepath.Join(rx, name), c.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := l.put(t, "bob", "alice", "rx", forge(t, l, packet.PlainHeader{Type: packet.TypeFile, Path: []byte("good.txt")}, []byte("good")))
	if err := os.WriteFile(filepath.Join(rx, "hdr", good.String()), bytes.Repeat([]byte{'x'}, packet.EncHeaderSize), 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := l.toss(t, "bob", toss.Options{})
	if !errors.Is(err, toss.ErrSomeFailed) {
		t.Errorf("toss returned %v with damaged rx files", err)
	}
	if res.SetAside != len(cases) || res.Failed != len(cases) {
		t.Errorf("set aside %d, failed %d; want %d each", res.SetAside, res.Failed, len(cases))
	}
	if got, _ := os.ReadFile(l.path("bob", "incoming", "good.txt")); string(got) != "good" {
		t.Errorf("good packet beside them (with a damaged hdr copy) not delivered: %q", got)
	}
	logs := l.logs["bob"].String()
	for i, c := range cases {
		if _, err := os.Stat(filepath.Join(rx, bad[i])); err == nil {
			t.Errorf("%s: still in rx/", c.name)
		}
		if got, err := os.ReadFile(filepath.Join(rx, "bad", bad[i])); err != nil || !bytes.Equal(got, c.data) {
			t.Errorf("%s: not kept in rx/bad/: %v", c.name, err)
		}
		if n := strings.Count(logs, "pkt="+bad[i]); n != 1 {
			t.Errorf("%s: %d log lines name it, want 1:\n%s", c.name, n, logs)
		}
	}
	if strings.Count(logs, "unknown magic number") != 1 {
		t.Errorf("want one 'unknown magic number' line:\n%s", logs)
	}
	l.logs["bob"].Reset()
	if res, err := l.toss(t, "bob", toss.Options{}); err != nil || res.SetAside != 0 {
		t.Errorf("second toss: %+v %v", res, err)
	}
	if s := l.logs["bob"].String(); strings.Contains(s, "level=ERROR") {
		t.Errorf("second toss logged errors:\n%s", s)
	}
}
