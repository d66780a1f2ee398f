package toss_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// A transit packet whose relay does not fit the next hop's tx quota is
// not dropped: it stays in rx (not rx/bad) with one log line giving the
// quota's numbers, the run fails, and it is relayed once the queue has
// drained. The same goes for a reply that does not fit, here the
// receipt (or --gen-ack's ACK) of a file: the file is delivered, its
// packet waits in rx for the reply to fit.
func TestTossKeepsWhatDoesNotFitTxQuota(t *testing.T) {
	l := newLab(t)
	for i, name := range []string{"one", "two"} {
		if err := os.WriteFile(l.path(name), []byte(strings.Repeat(name, 100*(i+1))), 0o644); err != nil {
			t.Fatal(err)
		}
		// alice reaches carol through bob (the lab's via).
		if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "carol"), l.path(name), name, fileOpts(96)); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.move(t, "alice", "bob"); n != 2 {
		t.Fatalf("%d packets for bob", n)
	}
	l.cfgs["bob"].Neigh["carol"].Quota = cfg.Quota{TX: cfg.Limit{Packets: 1}}
	res, err := l.toss(t, "bob", toss.Options{})
	if !errors.Is(err, toss.ErrSomeFailed) || res.OverQuota != 1 || res.SetAside != 0 || res.Tossed[packet.TypeTrns] != 1 {
		t.Fatalf("toss: %v, %+v; want one relayed and one left for the quota", err, res)
	}
	if n := len(l.jobs(t, "bob", "carol", spool.TX)); n != 1 {
		t.Errorf("%d packets relayed to carol, want the one that fits", n)
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 1 {
		t.Fatalf("%d packets in rx, want the transit one kept", n)
	}
	if bad, _ := os.ReadDir(filepath.Join(l.rxDir("bob", "alice"), "bad")); len(bad) != 0 {
		t.Error("the packet over quota was set aside in rx/bad")
	}
	log := l.logs["bob"].String()
	if strings.Count(log, "packet left in rx: tx quota full") != 1 || !strings.Contains(log, "relay to carol: tx quota full: 1 of 1 packets queued, needs 1 more") {
		t.Errorf("want one log line with the reason:\n%s", log)
	}

	l.move(t, "bob", "carol") // a call took carol's packet
	if res, err := l.toss(t, "bob", toss.Options{}); err != nil || res.OverQuota != 0 {
		t.Fatalf("toss once the queue drained: %v, %+v", err, res)
	}
	if n := len(l.jobs(t, "bob", "carol", spool.TX)); n != 1 {
		t.Errorf("%d packets relayed to carol after the queue drained, want 1", n)
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 0 {
		t.Errorf("%d packets still in rx", n)
	}

	// bob's receipt for a file does not fit alice's full queue: the file is
	// delivered, the packet waits in rx for its receipt.
	if err := os.WriteFile(l.path("three"), []byte("three"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "bob"), l.path("three"), "three", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")
	l.put(t, "bob", "alice", spool.TX, []byte("something already queued for alice"))
	l.cfgs["bob"].Neigh["alice"].Quota = cfg.Quota{TX: cfg.Limit{Packets: 1}}
	res, err = l.toss(t, "bob", toss.Options{GenACK: true})
	if !errors.Is(err, toss.ErrSomeFailed) || res.OverQuota != 1 {
		t.Fatalf("toss --gen-ack with alice's queue full: %v, %+v", err, res)
	}
	if got, err := os.ReadFile(l.path("bob", "incoming", "three")); err != nil || string(got) != "three" {
		t.Errorf("file not delivered: %q, %v", got, err)
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 1 {
		t.Errorf("%d packets in rx, want the one waiting for its receipt", n)
	}
	if !strings.Contains(l.logs["bob"].String(), "queue ack for alice: tx quota full: 1 of 1 packets queued") {
		t.Errorf("want the receipt's refusal logged:\n%s", l.logs["bob"].String())
	}
}
