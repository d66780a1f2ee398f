package spool_test

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// queueFiles writes n packet-shaped files into peer's tx queue, named by
// made-up ids (a listing reads headers, it does not hash), niceness
// cycling over nices, and returns their ids in listing order. Files from
// and on are new; those before are rewritten as they were.
func queueFiles(t testing.TB, sp *spool.Spool, n int, nices []uint8) []spool.Job {
	return queueFilesFrom(t, sp, 0, n, nices)
}

func queueFilesFrom(t testing.TB, sp *spool.Spool, from, n int, nices []uint8) []spool.Job {
	t.Helper()
	dir := sp.QueueDir(peer, spool.TX)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var jobs []spool.Job
	for i := from; i < from+n; i++ {
		var id packet.ID
		binary.BigEndian.PutUint64(id[:], uint64(i)*0x9E3779B97F4A7C15) // spread over the name space
		id[31] = byte(i)
		nice := nices[i%len(nices)]
		data := fakePacket(nice, 8+i%13)
		if err := os.WriteFile(sp.PacketPath(peer, spool.TX, id), data, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, spool.Job{Node: peer, XX: spool.TX, ID: id, Nice: nice, Size: int64(len(data)), Sender: peer})
	}
	slices.SortFunc(jobs, func(a, b spool.Job) int {
		if a.Nice != b.Nice {
			return int(a.Nice) - int(b.Nice)
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return jobs
}

// list walks a listing a few jobs at a time (so that Next is called many
// times and resumes its walk of the index) and returns what it gave.
func list(t *testing.T, sp *spool.Spool) (*spool.Listing, []spool.Job) {
	t.Helper()
	l, err := sp.List(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	var got []spool.Job
	buf := make([]spool.Job, 7)
	for {
		n, err := l.Next(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return l, got
		}
		got = append(got, buf[:n]...)
	}
}

func sameJobs(t *testing.T, what string, got, want []spool.Job) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d jobs, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: job %d is %s nice %d size %d, want %s nice %d size %d", what, i,
				got[i].ID, got[i].Nice, got[i].Size, want[i].ID, want[i].Nice, want[i].Size)
		}
	}
}

// A listing hands out a queue most urgent first, by name within a
// niceness, whether it built the index, read it beside the directory or
// (the directory unchanged since) read it alone; a packet removed or
// added is seen by the next listing, and a stamped queue stops being
// trusted once its directory changes.
func TestListingOrderAndChanges(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	sp := openSpool(t)
	sp.SetIndexBatch(50)
	later := time.Now().Add(time.Hour) // every directory quiet long enough to stamp
	sp.SetIndexClock(func() time.Time { return later })
	want := queueFiles(t, sp, 400, []uint8{224, 32, 160, 96, 1, 255, 32})

	l, got := list(t, sp)
	sameJobs(t, "first listing (builds the index)", got, want)
	if l.Trusted() {
		t.Fatal("the first listing cannot come from the index alone")
	}
	l, got = list(t, sp)
	sameJobs(t, "second listing", got, want)
	if !l.Trusted() {
		t.Fatal("an unchanged queue was read from the directory again")
	}

	// Removed behind the index's back: the directory changed, so the
	// next listing reads it and drops the entry.
	gone := want[123]
	if err := os.Remove(sp.PacketPath(peer, spool.TX, gone.ID)); err != nil {
		t.Fatal(err)
	}
	want = slices.Delete(want, 123, 124)
	l, got = list(t, sp)
	sameJobs(t, "after a removal", got, want)
	if l.Trusted() {
		t.Fatal("a changed directory was trusted")
	}
	l, got = list(t, sp)
	sameJobs(t, "after a removal, again", got, want)
	if !l.Trusted() {
		t.Fatal("the listing after the removal did not stamp the queue")
	}

	// Added (the removed one again, and another): the same.
	added := queueFiles(t, sp, 401, []uint8{224, 32, 160, 96, 1, 255, 32})
	l, got = list(t, sp)
	sameJobs(t, "after an addition", got, added)
	if l.Trusted() {
		t.Fatal("a changed directory was trusted")
	}
}

// A directory changed within stampMargin of a listing is not stamped:
// its clock may not tell the next change from the last one.
func TestListingRecentChangeNotStamped(t *testing.T) {
	sp := openSpool(t)
	want := queueFiles(t, sp, 30, []uint8{100})
	for range 2 {
		l, got := list(t, sp)
		sameJobs(t, "listing", got, want)
		if l.Trusted() {
			t.Fatal("a directory changed a moment ago was trusted")
		}
	}
}

// A file named as a packet that is not one is reported by every listing,
// the trusted ones too, and never handed out or counted; a file that
// vanished is neither.
func TestListingBadAndVanished(t *testing.T) {
	sp := openSpool(t)
	later := time.Now().Add(time.Hour)
	sp.SetIndexClock(func() time.Time { return later })
	want := queueFiles(t, sp, 20, []uint8{64, 128})
	var junk packet.ID
	junk[0] = 0xAB
	if err := os.WriteFile(sp.PacketPath(peer, spool.TX, junk), []byte("not a packet"), 0o644); err != nil {
		t.Fatal(err)
	}
	for round, trusted := range []bool{false, true} {
		l, got := list(t, sp)
		sameJobs(t, "listing", got, want)
		if l.Trusted() != trusted {
			t.Fatalf("round %d: trusted %v", round, l.Trusted())
		}
		if bad := l.Bad(); len(bad) != 1 || bad[0].ID != junk || !errors.Is(bad[0].Err, packet.ErrShortHeader) {
			t.Fatalf("round %d: bad files %v", round, bad)
		}
		tally, bad, err := sp.Count(peer, spool.TX)
		if err != nil || len(bad) != 1 {
			t.Fatal(bad, err)
		}
		if tally[64].Packets != 10 || tally[128].Packets != 10 || tally[64].Packets+tally[128].Packets != len(want) {
			t.Fatalf("round %d: tally %v %v", round, tally[64], tally[128])
		}
		var bytes64 int64
		for _, j := range want {
			if j.Nice == 64 {
				bytes64 += j.Size
			}
		}
		if tally[64].Bytes != bytes64 {
			t.Fatalf("round %d: %d bytes at nice 64, want %d", round, tally[64].Bytes, bytes64)
		}
	}
	// Vanished between the listing and the walk: the listing is the
	// directory as it was read (as Jobs always was); the next one
	// drops it.
	l, err := sp.List(peer, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(sp.PacketPath(peer, spool.TX, want[0].ID)); err != nil {
		t.Fatal(err)
	}
	buf := make([]spool.Job, 100)
	if n, err := l.Next(buf); err != nil || n != len(want) {
		t.Fatal(n, err)
	}
	_, got := list(t, sp)
	sameJobs(t, "after the removal", got, want[1:])
}

// Walking a large queue holds a batch of its jobs, not all of them: the
// live heap while EachJob runs stays well under the size of the queue's
// jobs (a Job is over 100 bytes; 50,000 of them are 5.6 MB), whether the
// walk reads the directory beside the index or the index alone.
func TestEachJobHeapBounded(t *testing.T) {
	const n = 50000
	sp := openSpool(t)
	later := time.Now().Add(time.Hour)
	sp.SetIndexClock(func() time.Time { return later })
	queueLinkedFiles(t, sp, n, []uint8{1, 96, 160, 224})
	if _, _, err := sp.Count(peer, spool.TX); err != nil { // builds the index
		t.Fatal(err)
	}
	live := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, what := range []string{"trusted", "beside the directory"} {
		if what != "trusted" {
			// Change the directory, so the walk reads it again.
			queueFilesFrom(t, sp, n, 1, []uint8{1})
		}
		base := live()
		var peak uint64
		count := 0
		if _, err := sp.EachJob(peer, spool.TX, func(spool.Job) bool {
			if count++; count%5000 == 0 {
				peak = max(peak, live())
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if want := n + len(what)/len("beside the directory"); count != want {
			t.Fatalf("%s: %d jobs, want %d", what, count, want)
		}
		// The directory's ids are 32 bytes a packet (1.6 MB): the bound
		// leaves room for them and a batch, not for the jobs.
		const bound = 3 << 20
		grew := int64(peak) - int64(base)
		t.Logf("%s: live heap grew by %d KiB while walking %d jobs", what, grew>>10, n)
		if grew > bound {
			t.Fatalf("%s: live heap grew by %d bytes while walking, over %d", what, grew, bound)
		}
	}
}

// TestWarmListingAllocs: a listing of a queue the index already holds,
// whose directory changed a moment ago (so the names are read and
// reconciled, as after packets landed), allocates per batch, not per
// packet: no string per name read, no key copied per entry walked, no
// name made to decode an entry, no regrown slice of jobs. Each of
// those, per packet, made the 100,000-packet listing twice as slow.
func TestWarmListingAllocs(t *testing.T) {
	sp := openSpool(t)
	const n = 1000
	want := queueFiles(t, sp, n, []uint8{96, 128, 160})
	if _, _, err := sp.Jobs(peer, spool.TX); err != nil { // fills the index
		t.Fatal(err)
	}
	dir := sp.QueueDir(peer, spool.TX)
	var got []spool.Job
	allocs := testing.AllocsPerRun(3, func() {
		// The directory changes: the listing cannot trust its stamp.
		if err := os.WriteFile(dir+"/touch", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(dir + "/touch"); err != nil {
			t.Fatal(err)
		}
		l, err := sp.List(peer, spool.TX)
		if err != nil {
			t.Fatal(err)
		}
		if l.Trusted() {
			t.Fatal("a listing of a directory changed a moment ago trusted its stamp")
		}
		jobs, _, err := sp.Jobs(peer, spool.TX)
		if err != nil {
			t.Fatal(err)
		}
		got = jobs
	})
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d jobs, want %d, or out of order", len(got), len(want))
	}
	// Two listings per run (List, then Jobs): each allocates its
	// buffers, bbolt's per transaction, and a few per thousand names.
	t.Logf("%.0f allocations per warm listing of %d packets", allocs/2, n)
	if per := allocs / (2 * n); per > 0.2 {
		t.Errorf("%.0f allocations per warm listing of %d packets (%.2f per packet)", allocs/2, n, per)
	}
}
