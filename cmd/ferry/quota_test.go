package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/journal"
)

// setQuota puts a ferry-quota object with fields into node's section
// for peer in node's config.
func setQuota(t *testing.T, l *netLab, node, peer string, fields ...string) {
	t.Helper()
	b, err := os.ReadFile(l.cfg(node))
	if err != nil {
		t.Fatal(err)
	}
	anchor := "    " + peer + ":\n    {\n"
	if !bytes.Contains(b, []byte(anchor)) {
		t.Fatalf("%s's config has no section for %s", node, peer)
	}
	obj := "      ferry-quota: {\n        " + strings.Join(fields, "\n        ") + "\n      }\n"
	b = bytes.Replace(b, []byte(anchor), []byte(anchor+obj), 1)
	if err := os.WriteFile(l.cfg(node), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// queueUsage is what a queue directory holds: packets, .part and .nock
// files, by count and size.
func queueUsage(t *testing.T, dir string) (bytes, packets int64) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".part"), ".nock")
		if !packet.IsPacketName(name) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		bytes += fi.Size()
		packets++
	}
	return bytes, packets
}

// A sending command refuses a packet that does not fit its queue's tx
// quota with the queue, the numbers and a hint, and queues nothing.
func TestSendingRefusesOverTxQuota(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	setQuota(t, l, "alice", "bob", "tx-bytes: 10K", "tx-packets: 2")
	randomFile(t, l.path("big"), 20<<10)
	r := ferry(t, nil, "file", "--cfg", l.cfg("alice"), l.path("big"), "bob:")
	want := "ferry: error: queue file for bob: tx quota full: 0 B of 10 KiB queued, needs 20 KiB\n" +
		"ferry: hint: a call to bob takes what is queued; 'ferry rm --node bob --tx' removes packets ('ferry stat' lists them); or raise neigh.bob.ferry-quota's tx-bytes/tx-packets\n"
	if r.code != 1 || string(r.stderr) != want {
		t.Errorf("file: exit %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
	l.ferry(t, "alice", []byte("one"), "exec", "bob", "cat")
	l.ferry(t, "alice", []byte("two"), "exec", "bob", "cat")
	r = ferry(t, []byte("three"), "exec", "--cfg", l.cfg("alice"), "bob", "cat")
	if r.code != exitTempFail || // a call to bob makes room: worth a retry, unlike the file larger than the quota
		!strings.HasSuffix(string(r.stderr), "ferry: hint: nothing was queued; this failure is temporary (exit 75): try again later\n") || !strings.HasPrefix(string(r.stderr), "ferry: error: queue exec for bob: tx quota full: 2 of 2 packets queued, needs 1 more\nferry: hint: ") {
		t.Errorf("exec: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 2 {
		t.Errorf("%d packets queued for bob, want the 2 that fit", n)
	}
}

// TestQuotaSoak: alice keeps queuing files for bob past her tx quota for
// him, and bob, whose rx quota for alice is tight, takes calls from her
// through a real ferry daemon, tossing between them. After every
// command both queues are within their quotas; every refusal is a
// logged reason (alice's command errors, bob's log records); and every
// file alice's commands accepted arrives at bob intact, none twice.
// Bounded: four rounds of five files, then at most eight calls to drain.
func TestQuotaSoak(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	const (
		txBytes, txPackets = 40 << 10, 6
		rxBytes, rxPackets = 16 << 10, 3
	)
	setQuota(t, l, "alice", "bob", fmt.Sprintf("tx-bytes: %d", txBytes), fmt.Sprintf("tx-packets: %d", txPackets))
	setQuota(t, l, "bob", "alice", "rx-bytes: 16K", fmt.Sprintf("rx-packets: %d", rxPackets))
	tx, rx := l.queue("alice", "bob", "tx"), l.queue("bob", "alice", "rx")
	within := func(when string) {
		t.Helper()
		if b, n := queueUsage(t, tx); b > txBytes || n > txPackets {
			t.Fatalf("%s: alice's tx queue for bob holds %d bytes in %d packets, past its quota", when, b, n)
		}
		if b, n := queueUsage(t, rx); b > rxBytes || n > rxPackets {
			t.Fatalf("%s: bob's rx queue for alice holds %d bytes in %d packets, past its quota", when, b, n)
		}
	}
	_, addr := startDaemon(t, l, "ferry", "bob")
	call := func(when string) {
		t.Helper()
		_ = callCmd(l, "ferry", "alice", "bob", addr).Run() // it may fail: what it left is checked by the queues
		within(when + ", after the call")
		if r := ferry(t, nil, "toss", "--cfg", l.cfg("bob"), "--quiet"); r.code != 0 {
			t.Fatalf("%s: bob's toss: exit %d\n%s", when, r.code, r.stderr)
		}
		within(when + ", after toss")
	}

	accepted := map[string][]byte{} // name at bob: content
	refused := 0
	for round := 0; round < 4; round++ {
		for i := 0; i < 5; i++ {
			name := fmt.Sprintf("r%d-%d", round, i)
			body := randomFile(t, l.path(name), 3000+(round*5+i)*331%3000)
			r := ferry(t, nil, "file", "--cfg", l.cfg("alice"), "--quiet", l.path(name), "bob:"+name)
			switch {
			case r.code == 0:
				accepted[name] = body
			case r.code == exitTempFail && strings.Contains(string(r.stderr), "queue file for bob: tx quota full: ") &&
				strings.Contains(string(r.stderr), "ferry: hint: "):
				refused++
			default:
				t.Fatalf("file %s: exit %d without a quota's reason\n%s", name, r.code, r.stderr)
			}
			within("queuing " + name)
		}
		call(fmt.Sprintf("round %d", round))
	}
	for drain := 0; drain < 8 && l.count(tx) > 0; drain++ {
		call(fmt.Sprintf("drain %d", drain))
	}
	if refused == 0 || len(accepted) == 0 {
		t.Fatalf("%d files accepted and %d refused: the quotas were not tried", len(accepted), refused)
	}
	if n := l.count(tx); n != 0 {
		t.Errorf("%d packets still queued at alice after draining", n)
	}
	ents, _ := os.ReadDir(l.path("bob", "incoming"))
	if len(ents) != len(accepted) {
		t.Errorf("bob has %d files, alice's commands accepted %d", len(ents), len(accepted))
	}
	for name, body := range accepted {
		if got, err := os.ReadFile(l.path("bob", "incoming", name)); err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s accepted by alice's command but not delivered intact: %v", name, err)
		}
	}
	// bob's daemon said, for each offer it did not request, why.
	skipped := 0
	err := journal.Read(strings.NewReader(l.read(t, "bob", "log")), func(r journal.Record) error {
		if strings.HasPrefix(r.Get("Msg"), "packet not requested") {
			skipped++
			if !packet.IsPacketName(r.Get("Pkt")) || !strings.Contains(r.Get("Err"), "rx quota full: ") {
				t.Errorf("a refusal without its packet or reason: %v", r)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("bob's log: %v", err)
	}
	if skipped == 0 {
		t.Error("bob's rx quota never refused an offer: it was not tried")
	}
	t.Logf("%d files accepted, %d refused at alice; %d offers not requested at bob", len(accepted), refused, skipped)
}

// TestCallSaysWhatPassedTheQuota: when the caller's rx quota leaves an
// offered packet at the peer, ferry call takes the rest, says how many
// it left and why, with a hint, and exits 1.
func TestCallSaysWhatPassedTheQuota(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	setQuota(t, l, "alice", "bob", "rx-packets: 1")
	randomFile(t, l.path("one"), 1000)
	randomFile(t, l.path("two"), 2000)
	l.ferry(t, "bob", nil, "file", l.path("one"), "alice:one")
	l.ferry(t, "bob", nil, "file", l.path("two"), "alice:two")
	_, addr := startDaemon(t, l, "ferry", "bob")
	out, err := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "ferry: error: call bob: 1 offered packets not requested: they do not fit in the rx quota\nferry: hint: ") {
		t.Errorf("call: exit %d, want 1 with the reason and a hint:\n%s", code, out)
	}
	if n := l.count(l.queue("alice", "bob", "rx")); n != 1 {
		t.Errorf("%d packets arrived, want the one that fits", n)
	}
	if n := l.count(l.queue("bob", "alice", "tx")); n != 1 {
		t.Errorf("%d packets left at bob, want the other", n)
	}
}
