package spool_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// fullSpool holds one file of every kind Clean knows, for peer, and
// returns each kind's files by their path below the spool.
func fullSpool(t *testing.T) (*spool.Spool, map[spool.Kinds][]string) {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rx, _, err := sp.CopyIn(bytes.NewReader(fakePacket(1, 10)), peer, spool.RX, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, _, err := sp.CopyIn(bytes.NewReader(fakePacket(1, 20)), peer, spool.TX, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := sp.Lock(peer, spool.LockToss)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	part, err := sp.OpenPart(peer, packet.ID{5})
	if err != nil {
		t.Fatal(err)
	}
	if err := part.Close(); err != nil {
		t.Fatal(err)
	}
	nock, err := sp.OpenPart(peer, packet.ID{6})
	if err != nil {
		t.Fatal(err)
	}
	if err := nock.KeepUnchecked(); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(sp.MarkSeen(peer, packet.ID{7}), sp.MarkArea(peer, packet.ID{8}, packet.ID{9})); err != nil {
		t.Fatal(err)
	}
	tmp, err := sp.CreateTemp("left")
	if err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	n := peer.String()
	return sp, map[spool.Kinds][]string{
		spool.TmpFiles:    {"tmp/" + filepath.Base(tmp.Name())},
		spool.LockFiles:   {n + "/toss.lock"},
		spool.PartFiles:   {n + "/rx/" + packet.ID{5}.String() + ".part"},
		spool.NockFiles:   {n + "/rx/" + packet.ID{6}.String() + ".nock"},
		spool.SeenMarkers: {n + "/rx/seen/" + packet.ID{7}.String()},
		spool.HdrCopies:   {n + "/rx/hdr/" + rx.String(), n + "/tx/hdr/" + tx.String()},
		spool.AreaMarkers: {n + "/area/" + packet.ID{8}.String() + "/" + packet.ID{9}.String()},
		spool.RxPackets:   {n + "/rx/" + rx.String()},
		spool.TxPackets:   {n + "/tx/" + tx.String()},
	}
}

// TestClean: each kind removes its files and nothing else; a dry run and
// a file younger than Older remove nothing.
func TestClean(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	all := []spool.Kinds{spool.TmpFiles, spool.LockFiles, spool.PartFiles, spool.NockFiles, spool.SeenMarkers,
		spool.HdrCopies, spool.AreaMarkers, spool.RxPackets, spool.TxPackets}
	for _, kind := range all {
		for _, c := range []struct {
			name    string
			opt     spool.CleanOptions
			removes bool
		}{
			{"any age", spool.CleanOptions{}, true},
			{"dry run", spool.CleanOptions{DryRun: true}, false},
			{"too young", spool.CleanOptions{Older: time.Hour}, false},
		} {
			sp, files := fullSpool(t)
			root := sp.Dir()
			var found []string
			c.opt.Found = func(p string) { found = append(found, strings.TrimPrefix(p, root+"/")) }
			n, err := sp.Clean([]packet.ID{peer}, kind, c.opt)
			if err != nil {
				t.Fatalf("kind %d %s: %v", kind, c.name, err)
			}
			want := files[kind]
			if c.opt.Older > 0 {
				want = nil
			}
			if n != len(want) || !slices.Equal(found, want) {
				t.Errorf("kind %d %s: %d found %q, want %q", kind, c.name, n, found, want)
			}
			gone := map[string]bool{}
			if c.removes {
				for _, p := range files[kind] {
					gone[p] = true
				}
				// A packet goes with its header copy.
				if kind == spool.RxPackets {
					gone[files[spool.HdrCopies][0]] = true
				}
				if kind == spool.TxPackets {
					gone[files[spool.HdrCopies][1]] = true
				}
			}
			for _, ps := range files {
				for _, p := range ps {
					if _, err := os.Lstat(filepath.Join(root, p)); os.IsNotExist(err) != gone[p] {
						t.Errorf("kind %d %s: %s gone: %v, want %v", kind, c.name, p, os.IsNotExist(err), gone[p])
					}
				}
			}
		}
	}
}

// TestCleanPacket: a dry run and a packet younger than Older are kept.
func TestCleanPacket(t *testing.T) {
	for _, c := range []struct {
		name   string
		opt    spool.CleanOptions
		absent bool
		n      int
		kept   bool
	}{
		{"removed", spool.CleanOptions{}, false, 1, false},
		{"dry run", spool.CleanOptions{DryRun: true}, false, 1, true},
		{"too young", spool.CleanOptions{Older: time.Hour}, false, 0, true},
		{"no such packet", spool.CleanOptions{}, true, 0, false},
	} {
		sp := openSpool(t)
		id, _, err := sp.CopyIn(bytes.NewReader(fakePacket(1, 10)), peer, spool.TX, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.absent {
			id = packet.ID{3}
		}
		n, err := sp.CleanPacket(peer, spool.TX, id, c.opt)
		if err != nil || n != c.n || sp.Has(peer, spool.TX, id) != c.kept {
			t.Errorf("%s: %d removed (%v), kept %v; want %d, kept %v", c.name, n, err, sp.Has(peer, spool.TX, id), c.n, c.kept)
		}
	}
}

// A queue of a thousand packets, removed by several workers: each old
// enough is removed and counted once, Found hears each from the calling
// goroutine, a younger one and a file that is not a packet stay (the
// latter said so), and the next listing shows exactly what stayed.
func TestCleanWholeQueue(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	sp := openSpool(t)
	jobs := queueFiles(t, sp, 1000, []uint8{1, 96, 224}) // some 60 for each of the 16 workers
	old := time.Now().Add(-2 * time.Hour)
	var kept []spool.Job
	for i, j := range jobs {
		if i%7 == 0 {
			kept = append(kept, j)
			continue
		}
		if err := os.Chtimes(sp.PacketPath(peer, spool.TX, j.ID), old, old); err != nil {
			t.Fatal(err)
		}
	}
	junk := packet.ID{0xEE}
	if err := os.WriteFile(sp.PacketPath(peer, spool.TX, junk), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(sp.PacketPath(peer, spool.TX, junk), old, old); err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	n, err := sp.Clean([]packet.ID{peer}, spool.TxPackets, spool.CleanOptions{Older: time.Hour, Found: func(p string) { found[p]++ }})
	if err == nil || !strings.Contains(err.Error(), junk.String()) || !strings.Contains(err.Error(), "not a packet") {
		t.Errorf("the junk file not reported: %v", err)
	}
	if want := len(jobs) - len(kept); n != want || len(found) != want {
		t.Fatalf("%d removed, %d told to Found, want %d", n, len(found), want)
	}
	for p, k := range found {
		if k != 1 {
			t.Fatalf("%s told %d times", p, k)
		}
	}
	_, got := list(t, sp)
	sameJobs(t, "after the removal", got, kept)
	if !sp.Has(peer, spool.TX, junk) {
		t.Error("the junk file was removed")
	}
}

// A dry run over a queue tells each packet in the listing's order and
// removes none.
func TestCleanQueueDryRunInOrder(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	sp := openSpool(t)
	jobs := queueFiles(t, sp, 500, []uint8{1, 96, 224})
	var found []string
	n, err := sp.Clean([]packet.ID{peer}, spool.TxPackets, spool.CleanOptions{DryRun: true, Found: func(p string) { found = append(found, p) }})
	if err != nil || n != len(jobs) || len(found) != len(jobs) {
		t.Fatalf("%d found (%d told), %v", n, len(found), err)
	}
	for i, j := range jobs {
		if want := sp.PacketPath(peer, spool.TX, j.ID); found[i] != want {
			t.Fatalf("path %d is %s, want %s", i, found[i], want)
		}
	}
	_, got := list(t, sp)
	sameJobs(t, "after the dry run", got, jobs)
}

// A queue's removal unlinks its packets in inode order (about the order
// their files were made in), not the listing's, which is at random on
// disk: seen with one worker, whose removals reach Found in the order
// they were made.
func TestCleanQueueInodeOrder(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	sp := openSpool(t)
	sp.SetCleanWorkers(1)
	jobs := queueFiles(t, sp, 400, []uint8{1, 96, 224})
	ino := map[string]uint64{}
	for _, j := range jobs {
		p := sp.PacketPath(peer, spool.TX, j.ID)
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		ino[p] = st.Ino
	}
	var found []string
	n, err := sp.Clean([]packet.ID{peer}, spool.TxPackets, spool.CleanOptions{Found: func(p string) { found = append(found, p) }})
	if err != nil || n != len(jobs) || len(found) != len(jobs) {
		t.Fatalf("%d removed (%d told), %v", n, len(found), err)
	}
	for i := 1; i < len(found); i++ {
		if ino[found[i-1]] >= ino[found[i]] {
			t.Fatalf("removal %d (inode %d) came after one of inode %d", i, ino[found[i]], ino[found[i-1]])
		}
	}
	if _, got := list(t, sp); len(got) != 0 {
		t.Fatalf("%d packets left", len(got))
	}
}
