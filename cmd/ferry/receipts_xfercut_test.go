package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReceiptsXferInterrupted: the messages of receiptLab, and one of
// 4 MiB, go alice -> bob -> carol and their receipts come back by USB
// trips, each trip interrupted before it completes: the xfer writing the
// medium is killed at a random moment (leaving a partial copy on it),
// the medium goes to the other side as it is, where the xfer reading it
// is killed too; then the trip is made again and completes. Every
// message ends delivered in alice's ferry track (the unlisted command
// failed), each file landed once and whole, and no packet is left on a
// medium or in a queue. (The kill moments vary; what is checked holds
// for any.)
func TestReceiptsXferInterrupted(t *testing.T) {
	t.Parallel()
	l, file, exec, bad, freq := receiptLab(t)
	bigBody := bytes.Repeat([]byte("0123456789abcdef"), 4<<16)
	mustWrite(t, l.path("big.bin"), bigBody, 0o644)
	big := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("big.bin"), "carol:big.bin"))
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 47))
	var media []string
	for _, hop := range [][2]string{{"alice", "bob"}, {"bob", "carol"}, {"carol", "bob"}, {"bob", "alice"}} {
		media = append(media, l.interruptedXferHop(t, rng, hop[0], hop[1]))
	}
	rows := l.track(t, "alice", file, exec, bad, freq, big)
	for _, id := range []string{file, exec, freq, big} {
		if rows[id].State != "delivered" {
			t.Errorf("%s: %+v, want delivered", id, rows[id])
		}
	}
	if rows[bad].State != "failed" || !strings.Contains(rows[bad].Reason, `handle "nosuch" is not listed`) {
		t.Errorf("unlisted handle: %+v, want failed naming it", rows[bad])
	}
	// The freq's answer is a file carol queued herself: she keeps no
	// record of it (alice tracks her request; see ferry-receipts(7)).
	if recs := l.track(t, "carol"); len(recs) != 0 {
		t.Errorf("carol tracks %d messages, want none", len(recs))
	}
	if got := l.read(t, "carol", "incoming", "big.bin"); got != string(bigBody) {
		t.Errorf("big.bin: %d bytes, want %d intact", len(got), len(bigBody))
	}
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "hello carol\n" {
		t.Errorf("r.txt: %q", got)
	}
	for _, name := range []string{"big.bin.0", "r.txt.0"} {
		if _, err := os.Stat(l.path("carol", "incoming", name)); err == nil {
			t.Errorf("carol received a file twice: %s", name)
		}
	}
	for _, m := range media {
		_ = filepath.WalkDir(m, func(p string, e os.DirEntry, err error) error { // the callback reports what is left and returns nil
			// A partial copy too: the trip that completed cleared those
			// its interrupted runs left.
			if err == nil && !e.IsDir() {
				t.Errorf("left on the medium: %s", p)
			}
			return nil
		})
	}
	for _, q := range [][2]string{{"alice", "bob"}, {"bob", "alice"}, {"bob", "carol"}, {"carol", "bob"}} {
		// alice answers carol's freq answer with a receipt: the one packet left to travel.
		if c := l.count(l.queue(q[0], q[1], "tx")); c != 0 && q != [2]string{"alice", "bob"} {
			t.Errorf("%s still has %d packets for %s", q[0], c, q[1])
		}
	}
}

// interruptedXferHop is one USB trip from -> to that is cut twice (the
// writing xfer killed, the medium carried over as it is and the reading
// xfer killed) before it is made whole; to then tosses (--seen: a packet
// may come twice). It returns the medium.
func (l *netLab) interruptedXferHop(t *testing.T, rng *rand.Rand, from, to string) string {
	t.Helper()
	medium := l.path("medium-" + from + "-" + to)
	mustMkdirAll(t, medium)
	for range 2 {
		l.killedFerry(t, rng, from, "xfer", "--mkdir", "--tx", medium)
		l.killedFerry(t, rng, to, "xfer", "--rx", medium)
	}
	if r := ferry(t, nil, "xfer", "--cfg", l.cfg(from), "--quiet", "--mkdir", "--tx", medium); r.code != 0 {
		t.Fatalf("xfer --tx as %s after the cuts: exit %d\n%s", from, r.code, r.stderr)
	}
	// A partial copy a killed writer left is skipped, with a log line:
	// exit 1 then, and the packets beside it are taken.
	if r := ferry(t, nil, "xfer", "--cfg", l.cfg(to), "--quiet", "--rx", medium); r.code > 1 {
		t.Fatalf("xfer --rx as %s after the cuts: exit %d\n%s", to, r.code, r.stderr)
	}
	l.tossAllowRefused(t, to, "--seen")
	return medium
}

// killedFerry starts ferry as node and SIGKILLs it within 60 ms (or lets
// it finish, if it is quicker).
func (l *netLab) killedFerry(t *testing.T, rng *rand.Rand, node string, args ...string) {
	t.Helper()
	cmd := exec.Command(ferryBin, append([]string{args[0], "--cfg", l.cfg(node), "--quiet"}, args[1:]...)...)
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
	killWait(t, cmd)
}
