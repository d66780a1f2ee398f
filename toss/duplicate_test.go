package toss_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// TestDuplicateDropsLeftovers: a --seen toss killed after the seen
// marker, before the packet's removal, leaves the packet, the file's
// delivery proof in incoming and the exec's claim. The next toss drops
// the packet as a duplicate, and those with it; the file is not
// delivered again and the command not run again.
func TestDuplicateDropsLeftovers(t *testing.T) {
	l := newLab(t)
	writeScript(t, l.path("src"), "once\n")
	if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "bob"), l.path("src"), "sub/f.txt", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	jobs := l.jobs(t, "alice", "bob", spool.TX)
	pkt := l.read(t, "alice", jobs[0])
	l.move(t, "alice", "bob")
	if _, err := l.toss(t, "bob", toss.Options{Seen: true}); err != nil {
		t.Fatal(err)
	}
	// The state the kill leaves: the packet back in rx, beside its seen
	// marker, and the proof that the run would have removed last.
	id := l.put(t, "bob", "alice", spool.RX, pkt)
	inc := l.cfgs["bob"].Neigh["alice"].Incoming
	proof := filepath.Join(inc, "sub", ".ferry."+id.String()+".tmp")
	if err := os.Link(filepath.Join(inc, "sub", "f.txt"), proof); err != nil {
		t.Fatal(err)
	}
	if _, err := l.toss(t, "bob", toss.Options{Seen: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(proof); err == nil {
		t.Error("the delivery proof was left in incoming")
	}
	ents, _ := os.ReadDir(filepath.Join(inc, "sub"))
	if len(ents) != 1 || ents[0].Name() != "f.txt" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("incoming/sub holds %s, want f.txt alone", strings.Join(names, " "))
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 0 {
		t.Errorf("%d packets left in rx", n)
	}

	// The same for a command: its claim goes, the handler is not run.
	q, err := l.q("alice").Exec(t.Context(), queueDest(l, "alice", "bob"), "handler", []string{"x"},
		strings.NewReader("mail"), false, 0, outbox.Options{Nice: 128})
	if err != nil {
		t.Fatal(err)
	}
	pkt = l.read(t, "alice", l.jobs(t, "alice", "bob", spool.TX)[0])
	l.move(t, "alice", "bob")
	if _, err := l.toss(t, "bob", toss.Options{Seen: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(l.path("bob", "exec-out")); err != nil {
		t.Fatal(err)
	}
	l.put(t, "bob", "alice", spool.RX, pkt)
	m := l.spool["bob"].ExecMarker(l.id("alice"), q.ID)
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	if err := m.Touch(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.toss(t, "bob", toss.Options{Seen: true}); err != nil {
		t.Fatal(err)
	}
	if m.Exists() {
		t.Error("the exec claim was left")
	}
	if _, err := os.Stat(l.path("bob", "exec-out")); err == nil {
		t.Error("the command ran again")
	}
}
