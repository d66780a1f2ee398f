package toss

import (
	"runtime"
	"slices"

	"github.com/ferry-dtn/ferry/spool"
)

// Tossing exec packets one after the other leaves a core idle: while a
// handler runs, toss only waits for it. So a queue's exec handlers run
// alongside the decryption of the packets after them:
//
//	tossing goroutine:  decrypt P1, start H1 | decrypt P2, start H2 | retire P1 ...
//	waiter of H1:                   wait H1 -------->|
//
// Only cmd.Wait runs off the tossing goroutine. Everything else a packet
// needs once its handler ended (the claim's fsync, the log, the receipt,
// the seen marker, the ACK, removing the packet) runs on the tossing
// goroutine when it retires the packet, so the Tosser's state has one
// writer as before. Packets are retired in the order they were started,
// and a queue is drained before its toss lock is released. NNCP runs
// handlers in the order of packet names, which means no order a sender
// can rely on; exactly-once is per packet and kept by its claim.
//
// Group commit: a claim must be durable before its packet is removed,
// which costs an fsync of the claims' directory. Ended packets are
// retired in batches (of retireBatch or more), after one fsync per directory
// that covers every claim of the batch in it: each was made before its handler ended, and
// the fsync comes after that. A kill between the fsync and the removals
// leaves packets whose claims say "started": the next toss removes them
// without running them again.
//
// The fsync runs on a goroutine of its own while the tossing goroutine
// goes on starting the packets after the batch; the batch is retired
// there once the fsync returned. On a disk busy with another job's
// writes a directory's fsync took up to 118 ms here (0.3 ms quiet), and
// made on the tossing goroutine it stopped the whole queue for that
// long, once per batch, where NNCP, which syncs nothing, went on. One
// fsync is in flight at a time; the packets that end meanwhile make the
// next, larger batch, up to maxUnsynced, where toss waits for it.

// defaultExecJobs is how many handlers may run at once when Options
// leave it unset: one per core.
func defaultExecJobs() int { return max(1, runtime.NumCPU()) }

// retireBatch is how many started packets make the ended ones among
// them a batch, whose claims one fsync covers.
const retireBatch = 64

// maxUnsynced bounds the packets kept while a batch's fsync is in flight
// (see inflight): past it, toss waits for that fsync. With the batch, it
// bounds what a kill leaves for the next toss to clean up.
const maxUnsynced = 4 * retireBatch

// running is an exec packet whose handler was started and not yet
// retired. Its waiter goroutine is owned by the running: retiring it
// waits for the goroutine.
type running struct {
	done    chan struct{} // closed once the handler ended
	out     []byte        // the start of its output, read after done
	waitErr error         // how it ended, read after done
	// sync makes the claim durable, and every claim made before in the
	// same directory, syncDir (a relayed packet's claim lives under its
	// origin, so one queue's claims may be in several directories).
	sync    func() error
	syncDir spool.SyncGroup
	// complete is exec's remaining work with the handler's result and
	// the claim's sync; settle is tossOne's with exec's. Both run on
	// the tossing goroutine.
	complete func(out []byte, waitErr, syncErr error) error
	settle   func(err error)
}

// startWaiter waits for a started handler off the tossing goroutine.
func startWaiter(wait func() ([]byte, error), sync func() error, syncDir spool.SyncGroup, complete func(out []byte, waitErr, syncErr error) error) *running {
	r := &running{done: make(chan struct{}), sync: sync, syncDir: syncDir, complete: complete}
	go func() {
		r.out, r.waitErr = wait()
		close(r.done)
	}()
	return r
}

// ended reports, without blocking, whether the handler has ended.
func (r *running) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// inflight is the exec packets of one queue started and not yet retired,
// oldest first, and the batch whose claims are being synced, if any.
// The sync's goroutine is owned by the inflight: retiring its batch, and
// drain, wait for it.
type inflight struct {
	runs    []*running
	max     int        // handlers that may run while the next packet is read (0: none, as in NNCP)
	syncing *syncRound // the batch whose fsync is in flight; nil: none
}

// syncRound is a batch of ended packets, older than every one in runs,
// and the fsync of their claims running for it.
type syncRound struct {
	batch []*running
	errs  map[spool.SyncGroup]error // one sync per directory of claims; read after done
	done  chan struct{}
}

// add takes a started packet. It waits while more than max handlers run,
// retires the batch whose fsync has ended, and starts the fsync of the
// next batch once there are enough ended packets.
func (f *inflight) add(r *running) {
	f.runs = append(f.runs, r)
	for {
		busy := -1 // the oldest handler still running
		n := 0
		for i, r := range f.runs {
			if !r.ended() {
				if busy < 0 {
					busy = i
				}
				n++
			}
		}
		if n <= f.max {
			break
		}
		<-f.runs[busy].done
	}
	if f.syncing != nil && (f.syncing.ended() || len(f.runs) >= maxUnsynced) {
		f.retireSynced()
	}
	if len(f.runs) >= retireBatch {
		f.syncEnded()
	}
}

// syncEnded takes the oldest packets whose handlers have ended as a
// batch and starts the sync that makes all their claims durable, unless
// a sync is in flight already.
func (f *inflight) syncEnded() {
	if f.syncing != nil {
		return
	}
	n := 0
	for n < len(f.runs) && f.runs[n].ended() {
		n++
	}
	if n == 0 {
		return
	}
	s := &syncRound{batch: slices.Clone(f.runs[:n]), errs: map[spool.SyncGroup]error{}, done: make(chan struct{})}
	f.runs = append(f.runs[:0], f.runs[n:]...)
	clear(f.runs[len(f.runs):n])
	f.syncing = s
	go func() {
		defer close(s.done)
		for _, r := range s.batch {
			if _, ok := s.errs[r.syncDir]; !ok {
				s.errs[r.syncDir] = r.sync()
			}
		}
	}()
}

func (s *syncRound) ended() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// retireSynced waits for the batch's sync, if one is in flight, and
// retires its packets, oldest first, on the calling (tossing) goroutine.
func (f *inflight) retireSynced() {
	s := f.syncing
	if s == nil {
		return
	}
	<-s.done
	f.syncing = nil
	for _, r := range s.batch {
		r.settle(r.complete(r.out, r.waitErr, s.errs[r.syncDir]))
	}
}

// drain waits for every handler still running and retires its packet.
func (f *inflight) drain() {
	for _, r := range f.runs {
		<-r.done
	}
	f.retireSynced()
	f.syncEnded()
	f.retireSynced()
}
