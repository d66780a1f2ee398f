package call

// What the session does without its lock: callbacks, and the disk reads
// of the sending loop.

import (
	"slices"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// TestCallbacksRunUnlocked: Progress and AutoToss are called without the
// session's lock held, so a slow terminal or a toss cannot stall the
// receiving and sending loops, which need it for every payload.
func TestCallbacksRunUnlocked(t *testing.T) {
	t.Parallel()
	self, peer := packet.ID{1}, packet.ID{2}
	store, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var s *session
	locked := map[string]bool{}
	probe := func(name string) {
		if s.mu.TryLock() {
			s.mu.Unlock()
			locked[name] = false
		} else {
			locked[name] = true
		}
	}
	opt := Options{RxOnly: true,
		Progress: func(Stats) { probe("Progress") },
		AutoToss: func() { probe("AutoToss") }}
	s = newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, opt)
	s.everySecond()
	for _, name := range []string{"Progress", "AutoToss"} {
		if held, called := locked[name]; !called || held {
			t.Errorf("%s: called %v, under the lock %v", name, called, held)
		}
	}
}

// TestAdvanceAfterAnUnlockedRead: a chunk read without the lock is booked
// against its request wherever the queue moved it; a request that a
// DONE or HALT took meanwhile is not sent (its read may have failed on
// the removed file: that ends nothing).
func TestAdvanceAfterAnUnlockedRead(t *testing.T) {
	t.Parallel()
	a, b := packet.ID{1}, packet.ID{2}
	for _, c := range []struct {
		name        string
		queue       []fileReq // after the read
		n           int64
		ok          bool
		wanted      bool
		done        bool
		left        []fileReq
		bytesBooked int64
	}{
		{"in place", []fileReq{{hash: a, size: 10}}, 4, true, true, false, []fileReq{{hash: a, offset: 4, size: 10}}, 4},
		{"overtaken", []fileReq{{hash: b, size: 5, nice: 1}, {hash: a, size: 10}}, 4, true, true, false,
			[]fileReq{{hash: b, size: 5, nice: 1}, {hash: a, offset: 4, size: 10}}, 4},
		{"last chunk", []fileReq{{hash: a, size: 4}, {hash: b, size: 5}}, 4, true, true, true, []fileReq{{hash: b, size: 5}}, 4},
		{"dropped", []fileReq{{hash: b, size: 5}}, 4, true, false, false, []fileReq{{hash: b, size: 5}}, 0},
		{"dropped, read failed", nil, 0, false, false, false, nil, 0},
		{"read failed", []fileReq{{hash: a, size: 10}}, 0, false, true, false, []fileReq{{hash: a, size: 10}}, 0},
	} {
		s := &session{queue: append([]fileReq(nil), c.queue...)}
		wanted, done := s.advance(fileReq{hash: a}, c.n, c.ok)
		if wanted != c.wanted || done != c.done || s.stats.TxBytes != c.bytesBooked || !slices.Equal(s.queue, c.left) {
			t.Errorf("%s: wanted %v done %v booked %d queue %+v; want %v %v %d %+v",
				c.name, wanted, done, s.stats.TxBytes, s.queue, c.wanted, c.done, c.bytesBooked, c.left)
		}
	}
}
