package spool_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

var (
	self = packet.ID{1}
	peer = packet.ID{2}
)

// fakePacket is a packet-shaped file from peer to self.
func fakePacket(nice uint8, size int) []byte { return labnode.FakePacket(nice, peer, self, size) }

func openSpool(t testing.TB) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestPutListRemove(t *testing.T) {
	sp := openSpool(t)
	var ids []packet.ID
	for i, nice := range []uint8{224, 32, 160} {
		id, n, err := sp.CopyIn(bytes.NewReader(fakePacket(nice, 1000+i)), peer, spool.TX, nil)
		if err != nil || n != int64(1172+i) {
			t.Fatal(err, n)
		}
		want, _, _ := packet.MTHOf(bytes.NewReader(fakePacket(0, 0)))
		_ = want
		ids = append(ids, id)
	}
	jobs, bad, err := sp.Jobs(peer, spool.TX)
	if err != nil || len(bad) != 0 || len(jobs) != 3 {
		t.Fatalf("%v %v %d", err, bad, len(jobs))
	}
	if jobs[0].Nice != 32 || jobs[1].Nice != 160 || jobs[2].Nice != 224 || jobs[0].Sender != peer {
		t.Fatalf("not ordered by nice: %+v", jobs)
	}
	if _, err := os.Stat(filepath.Join(sp.QueueDir(peer, spool.TX), "hdr", ids[0].String())); err != nil {
		t.Error("no hdr copy")
	}
	if err := sp.Remove(peer, spool.TX, ids[0]); err != nil {
		t.Fatal(err)
	}
	if jobs, _, _ := sp.Jobs(peer, spool.TX); len(jobs) != 2 {
		t.Fatalf("after remove: %d", len(jobs))
	}
}

func TestCommitAsRejectsWrongContent(t *testing.T) {
	sp := openSpool(t)
	tmp, _ := sp.NewTmp()
	if _, err := tmp.Write(fakePacket(1, 10)); err != nil {
		t.Fatal(err)
	}
	if err := tmp.CommitAs(peer, spool.RX, packet.ID{9}); err == nil {
		t.Fatal("accepted content under the wrong name")
	}
	if ents, _ := os.ReadDir(sp.TmpDir()); len(ents) != 0 {
		t.Error("temporary file left behind")
	}
	if jobs, _, _ := sp.Jobs(peer, spool.RX); len(jobs) != 0 {
		t.Error("packet stored")
	}
}

func TestAbandonedPutLeavesNothingFinal(t *testing.T) {
	sp := openSpool(t)
	tmp, _ := sp.NewTmp()
	if _, err := tmp.Write(fakePacket(1, 100000)); err != nil {
		t.Fatal(err)
	}
	// The writer dies here without Commit or Abort.
	if jobs, _, _ := sp.Jobs(peer, spool.TX); len(jobs) != 0 {
		t.Fatal("a half-written packet is listed")
	}
	time.Sleep(10 * time.Millisecond)
	if n, err := sp.Clean(nil, spool.TmpFiles, spool.CleanOptions{Older: time.Millisecond}); n != 1 || err != nil {
		t.Fatalf("Clean of tmp removed %d: %v", n, err)
	}
}

// The index is only a cache: files added or removed behind its back, and
// a corrupt index, never change what a listing says.
func TestIndexFollowsFiles(t *testing.T) {
	sp := openSpool(t)
	a, _, _ := sp.CopyIn(bytes.NewReader(fakePacket(10, 10)), peer, spool.RX, nil)
	if _, _, err := sp.Jobs(peer, spool.RX); err != nil {
		t.Fatal(err)
	}
	// Removed behind the index's back.
	if err := os.Remove(sp.PacketPath(peer, spool.RX, a)); err != nil {
		t.Fatal(err)
	}
	// Added by another tool (a plain copy, no hdr, no index entry).
	data := fakePacket(20, 20)
	id, _, _ := packet.MTHOf(bytes.NewReader(data))
	if err := os.WriteFile(sp.PacketPath(peer, spool.RX, id), data, 0o644); err != nil {
		t.Fatal(err)
	}
	jobs, _, _ := sp.Jobs(peer, spool.RX)
	if len(jobs) != 1 || jobs[0].ID != id || jobs[0].Nice != 20 {
		t.Fatalf("%+v", jobs)
	}
	// Corrupt index: rebuilt.
	if err := os.WriteFile(filepath.Join(sp.Dir(), "ferry.idx"), []byte("garbage garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	jobs, _, _ = sp.Jobs(peer, spool.RX)
	if len(jobs) != 1 || jobs[0].Nice != 20 {
		t.Fatalf("with corrupt index: %+v", jobs)
	}
	jobs, _, _ = sp.Jobs(peer, spool.RX)
	if len(jobs) != 1 {
		t.Fatalf("after rebuild: %+v", jobs)
	}
	// A file with a packet name but no packet inside is reported.
	if err := os.WriteFile(sp.PacketPath(peer, spool.RX, packet.ID{7}), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, bad, _ := sp.Jobs(peer, spool.RX)
	if len(bad) != 1 {
		t.Fatalf("bad files: %v", bad)
	}
}

func TestConcurrentPutsAndListings(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	sp := openSpool(t)
	var wg sync.WaitGroup
	ids := make(chan packet.ID, 200)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id, _, err := sp.CopyIn(bytes.NewReader(fakePacket(uint8(g+1), 500+i)), peer, spool.RX, nil)
				if err != nil {
					t.Error(err)
					return
				}
				ids <- id
				if _, _, err := sp.Jobs(peer, spool.RX); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(ids)
	jobs, bad, err := sp.Jobs(peer, spool.RX)
	if err != nil || len(bad) != 0 || len(jobs) != 200 {
		t.Fatalf("%v %v %d", err, bad, len(jobs))
	}
	seen := map[packet.ID]bool{}
	for _, j := range jobs {
		seen[j.ID] = true
	}
	for id := range ids {
		if !seen[id] {
			t.Errorf("%s not listed", id)
		}
	}
}

func TestFileWriterNeverClobbers(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	paths := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w, err := fsio.NewFileWriter(dir, "same.txt", 0o022, true)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := fmt.Fprintf(w, "writer %d", i); err != nil {
				t.Error(err)
				return
			}
			p, err := w.Commit()
			if err != nil {
				t.Error(err)
			}
			paths <- p
		}(i)
	}
	wg.Wait()
	close(paths)
	var names []string
	for p := range paths {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	ents, _ := os.ReadDir(dir)
	if len(ents) != 20 || len(names) != 20 {
		t.Fatalf("%d files, %d names", len(ents), len(names))
	}
	want := map[string]bool{"same.txt": true}
	for i := 0; i < 19; i++ {
		want[fmt.Sprintf("same.txt.%d", i)] = true
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("unexpected name %s", n)
		}
	}
}

func TestLocks(t *testing.T) {
	sp := openSpool(t)
	unlock, err := sp.Lock(peer, spool.LockToss)
	if err != nil {
		t.Fatal(err)
	}
	// flock is per open file description: a second open is refused.
	if _, err := sp.Lock(peer, spool.LockToss); err == nil {
		t.Fatal("second lock granted")
	}
	unlock()
	if u, err := sp.Lock(peer, spool.LockToss); err != nil {
		t.Fatal(err)
	} else {
		u()
	}
}

// TestStat100k lists 100,000 packets through the index. FERRY_BIG=1.
func TestStat100k(t *testing.T) {
	if os.Getenv("FERRY_BIG") == "" {
		t.Skip("set FERRY_BIG=1 to build a 100,000-packet spool")
	}
	sp := openSpool(t)
	dir := sp.QueueDir(peer, spool.TX)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := packet.EncHeader{Nice: 100, Sender: peer, Recipient: self}
	head := h.Append(nil)
	for i := 0; i < 100000; i++ {
		var id packet.ID
		binary.BigEndian.PutUint64(id[:], uint64(i))
		if err := os.WriteFile(filepath.Join(dir, id.String()), head, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if _, _, err := sp.Jobs(peer, spool.TX); err != nil {
		t.Fatal(err)
	}
	cold := time.Since(start)
	start = time.Now()
	jobs, _, err := sp.Jobs(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	warm := time.Since(start)
	t.Logf("100000 packets: first listing %v (reads headers, fills the index), then %v", cold, warm)
	if len(jobs) != 100000 {
		t.Fatal(len(jobs))
	}
}
