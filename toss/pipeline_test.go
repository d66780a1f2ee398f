package toss

import (
	"bytes"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
)

// goroutineID is the calling goroutine's number, from its stack's first
// line ("goroutine N [running]:").
func goroutineID(t *testing.T) int {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	f := bytes.Fields(b)
	if len(f) < 2 {
		t.Fatalf("stack %q", b)
	}
	id, err := strconv.Atoi(string(f[1]))
	if err != nil {
		t.Fatalf("stack %q: %v", b, err)
	}
	return id
}

// TestClaimSyncOffTossingGoroutine: the fsync that makes a batch's claims
// durable runs beside the toss, not on the tossing goroutine, which goes
// on starting the next packets meanwhile (on a disk busy with another
// job's writes that fsync took up to 118 ms); and still no packet is
// retired before the fsync covering its claim returned, and packets are
// retired in the order they were started.
func TestClaimSyncOffTossingGoroutine(t *testing.T) {
	tossing := goroutineID(t)
	release := make(chan struct{}) // the fsync hangs until then
	var synced, syncs atomic.Int32
	sync := func() error {
		syncs.Add(1)
		if goroutineID(t) == tossing {
			t.Error("claims synced on the tossing goroutine: the queue waits for the fsync")
			synced.Store(1)
			return nil
		}
		<-release
		synced.Store(1)
		return nil
	}
	var retired []int
	f := &inflight{max: 1}
	const n = 2 * retireBatch
	for i := range n {
		r := &running{done: make(chan struct{}), sync: sync, syncDir: spool.SyncGroup{}, settle: func(error) {}}
		close(r.done) // the handler has ended
		r.complete = func(_ []byte, _, syncErr error) error {
			if synced.Load() == 0 {
				t.Errorf("packet %d retired before the sync of its claim returned", i)
			}
			retired = append(retired, i)
			return nil
		}
		f.add(r) // returns while the first batch's fsync hangs
	}
	if len(retired) != 0 {
		t.Errorf("%d packets retired while the fsync of their claims hung", len(retired))
	}
	close(release)
	f.drain()
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(retired, want) {
		t.Errorf("retired %v, want every packet once, in order", retired)
	}
	if got := syncs.Load(); got != n/retireBatch {
		t.Errorf("%d fsyncs for %d packets in batches of %d", got, n, retireBatch)
	}
}
