package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A toss killed after it removed the packet, before it removed the
// proof of the delivered file (incoming/.ferry.PKT.tmp), leaves that
// proof with nothing to remove it (a rerun finds no packet; one killed
// before the packet went is cleaned by the rerun, which drops the
// packet as a duplicate with its proof). ferry gc removes such a proof
// once its packet is gone, and leaves the proof of a packet still
// queued.
func TestGcRemovesProofOfSeenToss(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	l.ferry(t, "alice", []byte("hello"), "file", "-", "bob:hello.txt")
	l.carry(t, "alice", "bob")
	rx := l.queue("bob", "alice", "rx")
	var pkt string
	ents, _ := os.ReadDir(rx)
	for _, e := range ents {
		if len(e.Name()) == 52 {
			pkt = e.Name()
		}
	}
	l.ferry(t, "bob", nil, "toss", "--seen")
	// The state the kill leaves: the file delivered under its name and
	// its keyed proof, the seen marker, and the packet gone.
	delivered := l.path("bob", "incoming", "hello.txt")
	proof := l.path("bob", "incoming", ".ferry."+pkt+".tmp")
	if _, err := os.Stat(filepath.Join(rx, "seen", pkt)); err != nil {
		t.Fatalf("no seen marker: %v", err)
	}
	if err := os.Link(delivered, proof); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(rx, pkt)); !os.IsNotExist(err) {
		t.Fatalf("the toss left the packet: %v", err)
	}
	// A proof whose packet is still queued stays.
	l.ferry(t, "alice", []byte("later"), "file", "-", "bob:later.txt")
	l.carry(t, "alice", "bob")
	ents, _ = os.ReadDir(rx)
	var queued string
	for _, e := range ents {
		if len(e.Name()) == 52 {
			queued = e.Name()
		}
	}
	live := l.path("bob", "incoming", ".ferry."+queued+".tmp")
	if err := os.WriteFile(live, []byte("later"), 0o644); err != nil {
		t.Fatal(err)
	}

	dry := ferry(t, nil, "gc", "--cfg", l.cfg("bob"), "--dryrun")
	if dry.code != 0 || !strings.Contains(string(dry.stdout), "orphan "+proof+": ") || strings.Contains(string(dry.stdout), live) {
		t.Fatalf("gc --dryrun: exit %d\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
	if _, err := os.Stat(proof); err != nil {
		t.Fatal("the dry run removed the proof")
	}
	r := ferry(t, nil, "gc", "--cfg", l.cfg("bob"))
	if r.code != 0 {
		t.Fatalf("gc: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(proof); !os.IsNotExist(err) {
		t.Errorf("gc left the proof of a packet that is gone: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("gc removed the proof of a queued packet: %v", err)
	}
	if got, _ := os.ReadFile(delivered); string(got) != "hello" {
		t.Errorf("the delivered file: %q", got)
	}
	// The removal is in the log, with its reason.
	log := l.read(t, "bob", "log")
	if !strings.Contains(log, proof) || !strings.Contains(log, "whose packet is gone") {
		t.Errorf("the log does not say what went and why:\n%s", log)
	}
}

// A tracked message whose packet the tx limit removes ends expired,
// "removed by age policy", in ferry track; rm --policy is gc.
func TestGcExpiresTrackedMessage(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	b, err := os.ReadFile(l.cfg("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.cfg("alice"), []byte(strings.Replace(string(b), "{", "{\n  ferry-age: {\n    tx: 1d\n  }\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(string(l.ferry(t, "alice", []byte("x"), "file", "--print-id", "-", "bob:x").stdout))
	tx := l.queue("alice", "bob", "tx")
	r := ferry(t, nil, "rm", "--cfg", l.cfg("alice"), "--policy")
	if r.code != 0 || l.count(tx) != 1 {
		t.Fatalf("a young packet: exit %d, %d queued\n%s", r.code, l.count(tx), r.stderr)
	}
	old := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(filepath.Join(tx, id), old, old); err != nil {
		t.Fatal(err)
	}
	if r := ferry(t, nil, "rm", "--cfg", l.cfg("alice"), "--policy", "--all"); r.code != exitUsage {
		t.Errorf("rm --policy --all: exit %d, want a usage error", r.code)
	}
	r = ferry(t, nil, "rm", "--cfg", l.cfg("alice"), "--policy")
	if r.code != 0 || l.count(tx) != 0 || !strings.Contains(string(r.stderr), "1 removed") {
		t.Fatalf("an old packet: exit %d, %d queued\n%s", r.code, l.count(tx), r.stderr)
	}
	tr := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--json", id)
	var recs []struct{ State, Reason string }
	if err := json.Unmarshal(tr.stdout, &recs); err != nil || len(recs) != 1 || recs[0].State != "expired" || recs[0].Reason != "removed by age policy" {
		t.Fatalf("track: %s %v", tr.stdout, err)
	}
}
