package call

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/spool"
)

// Group commit: a verified download waits, not yet durable, for the
// committer goroutine, which makes everything waiting durable with one
// flush, renames it into rx and acknowledges it. The receive loop goes on
// writing the next packets meanwhile, so a batch is whatever arrived
// during the previous commit: one packet when they trickle in, hundreds
// when they stream. The DONE goes out only after the rename is on disk,
// so the sender never deletes a packet we could still lose.
const (
	// maxWaiting bounds the downloads waiting for a commit (each holds
	// its file open); the receive loop blocks when it is reached.
	maxWaiting = 256
	// maxBatch bounds one commit, so acknowledgements keep flowing.
	maxBatch = 256
)

type arrival struct {
	*spool.Part // verified, still open
	size        int64
}

// queueArrival hands a verified download to the committer. Once the
// session is ending it is kept for finish to commit.
func (s *session) queueArrival(a arrival) {
	s.mu.Lock()
	s.waiting[a.ID] = true
	s.mu.Unlock()
	select {
	case s.arrivals <- a:
	case <-s.ending:
		s.leftover = append(s.leftover, a)
	}
}

// commitLoop commits batches of arrivals until the session ends.
func (s *session) commitLoop(ctx context.Context) error {
	for {
		var batch []arrival
		select {
		case <-ctx.Done():
			return nil
		case a := <-s.arrivals:
			batch = append(batch, a)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case a := <-s.arrivals:
				batch = append(batch, a)
			default:
				break more
			}
		}
		if err := s.commit(batch); err != nil {
			return err
		}
	}
}

// commitRest commits what is still waiting once the loops have ended.
func (s *session) commitRest() error {
	rest := s.leftover
	s.leftover = nil
	for drained := false; !drained; {
		select {
		case a := <-s.arrivals:
			rest = append(rest, a)
		default:
			drained = true
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return s.commit(rest)
}

// commit adopts a batch of arrivals into rx and queues their DONEs.
func (s *session) commit(batch []arrival) error {
	parts := make([]*spool.Part, len(batch))
	for i, a := range batch {
		parts[i] = a.Part
	}
	n, err := s.sp.AdoptAll(parts)
	var r reply
	for _, a := range batch[:n] {
		s.log.Info("packet received", "who", "sp-file", "pkt", a.ID.String(), "size", a.size)
		r.add(sp.Msg{Type: sp.TypeDone, Hash: a.ID})
	}
	s.mu.Lock()
	for _, a := range batch[:n] {
		s.received[a.ID] = true // an rx/ listing taken meanwhile may miss it
		delete(s.fetching, a.ID)
		delete(s.quotaClaims, a.ID) // handed over to the packet in rx by AdoptAll
	}
	for _, a := range batch {
		delete(s.waiting, a.ID) // the rest stay as .part: offered again, resumed
	}
	s.stats.RxPkts += n
	s.ctrl = append(s.ctrl, r.out...)
	s.mu.Unlock()
	if n > 0 {
		s.poke()
	}
	if err != nil {
		return fmt.Errorf("store received packets: %w", err)
	}
	return nil
}
