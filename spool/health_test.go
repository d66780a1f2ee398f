package spool_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func TestInspectCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	if _, err := spool.Inspect(dir, self, spool.Options{}); err == nil {
		t.Fatal("a missing spool opened")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Inspect made the spool: %v", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Inspect(dir, self, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q, err := sp.Summary(peer, spool.TX); err != nil || q.Packets != 0 {
		t.Fatalf("empty queue: %+v %v", q, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("inspecting made %v", ents)
	}
}

// QueueFiles and Summary see regular files named as packets only, and
// agree on count, bytes and the oldest.
func TestQueueFilesAndSummary(t *testing.T) {
	sp := openSpool(t)
	dir := sp.QueueDir(peer, spool.TX)
	if err := os.MkdirAll(filepath.Join(dir, "hdr"), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var oldest time.Time
	for i, c := range []struct {
		size int
		age  time.Duration
	}{{10, time.Hour}, {20, 3 * time.Hour}, {30, 0}} {
		id := packet.ID{byte(i + 1)}
		p := filepath.Join(dir, id.String())
		if err := os.WriteFile(p, make([]byte, c.size), 0o644); err != nil {
			t.Fatal(err)
		}
		m := now.Add(-c.age).Truncate(time.Second)
		if err := os.Chtimes(p, m, m); err != nil {
			t.Fatal(err)
		}
		if oldest.IsZero() || m.Before(oldest) {
			oldest = m
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "junk"), []byte("x"), 0o644); err != nil { // not a packet's name
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, packet.ID{9}.String()+".part"), []byte("x"), 0o644); err != nil { // a download
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, packet.ID{8}.String()), 0o755); err != nil { // a directory
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, packet.ID{7}.String())); err != nil { // a link
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1"), nil, 0o644); err != nil { // 52 characters, not base32
		t.Fatal(err)
	}
	files, err := sp.QueueFiles(peer, spool.TX)
	if err != nil || len(files) != 3 {
		t.Fatalf("QueueFiles: %d files, %v: %+v", len(files), err, files)
	}
	q, err := sp.Summary(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	if q.Packets != 3 || q.Bytes != 60 || !q.Oldest.Equal(oldest) {
		t.Errorf("Summary %+v, want 3 packets, 60 bytes, oldest %v", q, oldest)
	}
}

func TestLockFiles(t *testing.T) {
	sp := openSpool(t)
	unlock, err := sp.Lock(peer, spool.LockRx)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	u2, err := sp.Lock(peer, spool.LockTx)
	if err != nil {
		t.Fatal(err)
	}
	u2() // a lock file nobody holds: normal
	if err := os.Mkdir(filepath.Join(sp.NodeDir(peer), "toss.lock"), 0o755); err != nil {
		t.Fatal(err)
	}
	locks, err := sp.LockFiles(peer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[spool.LockKind]spool.LockFile{}
	for _, l := range locks {
		got[l.Kind] = l
	}
	if l := got[spool.LockRx]; !l.Held || l.Err != nil {
		t.Errorf("rx lock held here: %+v", l)
	}
	if l := got[spool.LockTx]; l.Held || l.Err != nil {
		t.Errorf("tx lock free: %+v", l)
	}
	if l := got[spool.LockToss]; l.Err == nil {
		t.Errorf("a directory as toss.lock: %+v", l)
	}
	// Looking did not take the held lock away, nor keep the free one.
	if _, err := sp.Lock(peer, spool.LockTx); err != nil {
		t.Errorf("tx lock after LockFiles: %v", err)
	}
}
