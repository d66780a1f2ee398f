package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/journal"
)

// mountTmpfs puts a tmpfs of size (mount's syntax, "16m") on dir until
// the test ends; without root it skips.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot mount a small tmpfs; the injected free-space tests in call and toss cover this")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("mount tmpfs on %s: %v; the injected free-space tests in call and toss cover this", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

func avail(t *testing.T, dir string) uint64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Bavail * uint64(st.Bsize)
}

// TestFullSpoolDoesNotWedgeTheLink: bob's spool is a 16 MiB tmpfs
// keeping a 4 MiB reserve; alice offers a 30 MiB packet and five small
// ones. Through real ferry daemon and ferry call processes, the big one
// is not requested (one log line at bob names it), the small ones arrive
// in the same call, the spool keeps its reserve, and once space is freed
// the next call brings the big one.
func TestFullSpoolDoesNotWedgeTheLink(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	spoolDir := l.path("bob", "spool")
	mountTmpfs(t, spoolDir, "16m")
	const reserve = 4 << 20
	cfgText, err := os.ReadFile(l.cfg("bob"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, l.cfg("bob"), []byte(strings.Replace(string(cfgText), "{", "{\n  ferry-reserve: 4M\n", 1)), 0o600)

	randomFile(t, l.path("big"), 30<<20)
	l.ferry(t, "alice", nil, "file", l.path("big"), "bob:big.bin")
	bigID := onlyPacket(t, l.queue("alice", "bob", "tx"))
	for i := 0; i < 5; i++ {
		p := l.path("small" + string(rune('0'+i)))
		randomFile(t, p, 20000+i)
		l.ferry(t, "alice", nil, "file", p, "bob:"+filepath.Base(p))
	}

	_, addr := startDaemon(t, l, "ferry", "bob")
	out, _ := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput()
	rx := l.queue("bob", "alice", "rx")
	if n := l.count(rx); n != 5 {
		t.Fatalf("%d packets in bob's rx after the first call, want the 5 small ones\ncall: %s\nlog:\n%s", n, out, l.read(t, "bob", "log"))
	}
	if _, err := os.Stat(filepath.Join(rx, bigID)); err == nil {
		t.Fatal("the 30 MiB packet arrived in a 16 MiB spool")
	}
	if _, err := os.Stat(filepath.Join(rx, bigID+".part")); err == nil {
		t.Error("the big packet was requested: a .part fills the spool")
	}
	if _, err := os.Stat(filepath.Join(l.queue("alice", "bob", "tx"), bigID)); err != nil {
		t.Error("the big packet is no longer queued at alice")
	}
	if free := avail(t, spoolDir); free < reserve {
		t.Errorf("bob's spool has %d bytes free, past its %d reserve", free, reserve)
	}
	var skipped []journal.Record
	err = journal.Read(strings.NewReader(l.read(t, "bob", "log")), func(r journal.Record) error {
		if strings.Contains(r.Get("Msg"), "does not fit") {
			skipped = append(skipped, r)
		}
		return nil
	})
	if err != nil {
		t.Errorf("bob's log: %v", err)
	}
	if len(skipped) != 1 || skipped[0].Get("Pkt") != bigID || skipped[0].Get("Size") == "" ||
		skipped[0].Get("Free") == "" || skipped[0].Get("Reserve") != "4194304" {
		t.Errorf("want one log record naming %s with its size, the free space and the reserve, got %+v", bigID, skipped)
	}

	// Space freed: the tmpfs grows.
	if err := syscall.Mount("tmpfs", spoolDir, "tmpfs", syscall.MS_REMOUNT, "size=64m"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	out, err = callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("second call: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(rx, bigID)); err != nil {
		t.Fatalf("the big packet did not arrive once space was freed: %v\nlog:\n%s", err, l.read(t, "bob", "log"))
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 0 {
		t.Errorf("%d packets still queued at alice", n)
	}
}

func onlyPacket(t *testing.T, dir string) string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var ids []string
	for _, e := range ents {
		if packet.IsPacketName(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d packets in %s, want 1", len(ids), dir)
	}
	return ids[0]
}

// TestCallSaysWhatDidNotFit: when the caller's own spool is too small
// for an offered packet, ferry call takes the rest, says what it left
// and exits non-zero (the packet is still queued at the peer).
func TestCallSaysWhatDidNotFit(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mountTmpfs(t, l.path("alice", "spool"), "16m")
	randomFile(t, l.path("big"), 30<<20)
	randomFile(t, l.path("small"), 1000)
	l.ferry(t, "bob", nil, "file", l.path("big"), "alice:big.bin")
	l.ferry(t, "bob", nil, "file", l.path("small"), "alice:small.bin")
	_, addr := startDaemon(t, l, "ferry", "bob")
	out, err := callCmd(l, "ferry", "alice", "bob", addr).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "1 offered packets not requested") ||
		!strings.Contains(string(out), "ferry: hint:") {
		t.Errorf("call: exit %d, want 1 with the reason and a hint:\n%s", code, out)
	}
	if n := l.count(l.queue("alice", "bob", "rx")); n != 1 {
		t.Errorf("%d packets arrived, want the small one", n)
	}
	if n := l.count(l.queue("bob", "alice", "tx")); n != 1 {
		t.Errorf("%d packets left at bob, want the big one", n)
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
