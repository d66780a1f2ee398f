package toss

import (
	"runtime"

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
// retired in batches (up to retireBatch), after one fsync per directory
// that covers every claim of the batch in it: each was made before its handler ended, and
// the fsync comes after that. A kill between the fsync and the removals
// leaves packets whose claims say "started": the next toss removes them
// without running them again.

// defaultExecJobs is how many handlers may run at once when Options
// leave it unset: one per core.
func defaultExecJobs() int { return max(1, runtime.NumCPU()) }

// retireBatch bounds the ended packets kept before they are retired: what
// a kill leaves for the next toss to clean up, and what one fsync covers.
const retireBatch = 64

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
// oldest first.
type inflight struct {
	runs []*running
	max  int // handlers that may run while the next packet is read (0: none, as in NNCP)
}

// add takes a started packet. It waits while more than max handlers run,
// and retires the ended packets once there are a batch of them.
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
	if len(f.runs) >= retireBatch {
		f.retireEnded()
	}
}

// retireEnded retires the oldest packets whose handlers have ended, after
// one sync that makes all their claims durable.
func (f *inflight) retireEnded() {
	n := 0
	for n < len(f.runs) && f.runs[n].ended() {
		n++
	}
	if n == 0 {
		return
	}
	batch := f.runs[:n]
	synced := map[spool.SyncGroup]error{} // one sync per directory of claims
	for _, r := range batch {
		if _, ok := synced[r.syncDir]; !ok {
			synced[r.syncDir] = r.sync()
		}
	}
	for _, r := range batch {
		r.settle(r.complete(r.out, r.waitErr, synced[r.syncDir]))
	}
	f.runs = append(f.runs[:0], f.runs[n:]...)
	clear(f.runs[len(f.runs):n])
}

// drain waits for every handler still running and retires its packet.
func (f *inflight) drain() {
	for _, r := range f.runs {
		<-r.done
	}
	f.retireEnded()
}
