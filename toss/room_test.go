package toss_test

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// smallDisk plays a filesystem holding dir: its free space is its
// capacity less what dir's files take.
type smallDisk struct {
	mu       sync.Mutex
	dir      string
	capacity uint64
}

func (d *smallDisk) space(string) (spool.Space, error) {
	var used uint64
	_ = filepath.WalkDir(d.dir, func(_ string, e fs.DirEntry, err error) error { // files going meanwhile are not counted
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				used += uint64(fi.Size())
			}
		}
		return nil
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	return spool.Space{Avail: d.capacity - min(used, d.capacity), Total: d.capacity}, nil
}

// A file that would eat into the incoming filesystem's reserve is not
// written: its packet stays in rx (not rx/bad), one log line says why,
// the run fails, and the file lands on a later run once space is freed.
// The small file beside it is delivered at once.
func TestTossStopsBeforeIncomingIsFull(t *testing.T) {
	l := newLab(t)
	const reserve = 1 << 20
	l.cfgs["bob"].Reserve = cfg.Reserve{Set: true, Bytes: reserve}
	disk := &smallDisk{dir: l.path("bob", "incoming"), capacity: reserve + 1<<20}
	big, small := make([]byte, 3<<20), []byte("small and urgent\n")
	rand.Read(big)
	if err := os.WriteFile(l.path("big"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.path("small"), small, 0o644); err != nil {
		t.Fatal(err)
	}
	q, dest := l.q("alice"), queueDest(l, "alice", "bob")
	if _, err := q.File(t.Context(), dest, l.path("big"), "big.bin", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	if _, err := q.File(t.Context(), dest, l.path("small"), "small.txt", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	l.move(t, "alice", "bob")

	res, err := l.toss(t, "bob", toss.Options{Space: disk.space})
	if !errors.Is(err, toss.ErrSomeFailed) || res.NoRoom != 1 || res.SetAside != 0 {
		t.Fatalf("toss: %v, %+v; want a failure for the one file that does not fit", err, res)
	}
	if got, err := os.ReadFile(l.path("bob", "incoming", "small.txt")); err != nil || string(got) != string(small) {
		t.Errorf("small file not delivered beside the big one: %q, %v", got, err)
	}
	if _, err := os.Stat(l.path("bob", "incoming", "big.bin")); err == nil {
		t.Error("big file written although it does not fit")
	}
	if left := l.jobs(t, "bob", "alice", spool.RX); len(left) != 1 {
		t.Fatalf("%d packets left in rx, want the big one", len(left))
	}
	if bad, _ := os.ReadDir(filepath.Join(l.rxDir("bob", "alice"), "bad")); len(bad) != 0 {
		t.Error("the packet that did not fit was set aside in rx/bad")
	}
	log := l.logs["bob"].String()
	if strings.Count(log, "packet left in rx: not enough free space") != 1 || !strings.Contains(log, "reserved") {
		t.Errorf("want one log line with the reason:\n%s", log)
	}
	if sp, _ := disk.space(""); sp.Avail < reserve {
		t.Errorf("incoming went past its reserve: %d free", sp.Avail)
	}

	disk.capacity += 4 << 20 // space freed
	if res, err := l.toss(t, "bob", toss.Options{Space: disk.space}); err != nil || res.NoRoom != 0 {
		t.Fatalf("toss after space was freed: %v, %+v", err, res)
	}
	if got, err := os.ReadFile(l.path("bob", "incoming", "big.bin")); err != nil || string(got) != string(big) {
		t.Errorf("big file not delivered once space was freed: %v", err)
	}
}

// Relaying copies the packet into the spool: a relay that does not fit
// above the spool's reserve waits in rx the same way.
func TestTossRelayWaitsForSpoolSpace(t *testing.T) {
	l := newLab(t)
	const reserve = 1 << 20
	disk := &smallDisk{dir: l.cfgs["bob"].Spool}
	sp, err := spool.Open(l.cfgs["bob"].Spool, l.id("bob"), spool.Options{NoSync: true, Space: disk.space})
	if err != nil {
		t.Fatal(err)
	}
	l.spool["bob"] = sp
	l.cfgs["bob"].Reserve = cfg.Reserve{Set: true, Bytes: reserve}
	body := make([]byte, 2<<20)
	rand.Read(body)
	if err := os.WriteFile(l.path("big"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	// alice reaches carol through bob (the lab's via).
	if _, err := l.q("alice").File(t.Context(), queueDest(l, "alice", "carol"), l.path("big"), "big.bin", fileOpts(96)); err != nil {
		t.Fatal(err)
	}
	if n := l.move(t, "alice", "bob"); n != 1 {
		t.Fatalf("%d packets for bob", n)
	}
	disk.capacity = 1 << 40
	sp0, _ := disk.space("")
	disk.capacity = disk.capacity - sp0.Avail + reserve + 1<<20 // 1 MiB of room: the 2 MiB relay does not fit
	res, err := l.toss(t, "bob", toss.Options{})
	if !errors.Is(err, toss.ErrSomeFailed) || res.NoRoom != 1 {
		t.Fatalf("toss: %v, %+v", err, res)
	}
	if n := len(l.jobs(t, "bob", "carol", spool.TX)); n != 0 {
		t.Errorf("%d packets relayed although they do not fit", n)
	}
	if n := len(l.jobs(t, "bob", "alice", spool.RX)); n != 1 {
		t.Fatalf("%d packets in rx, want the transit one kept", n)
	}
	disk.capacity += 8 << 20
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := len(l.jobs(t, "bob", "carol", spool.TX)); n != 1 {
		t.Errorf("%d packets relayed once space was freed", n)
	}
}
