package call

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// sendLoop sends control payloads first, then FILE payloads for the
// queued requests, most urgent first.
func (s *session) sendLoop(ctx context.Context) error {
	tx := newTxFiles()
	defer tx.closeAll()
	for {
		if ctx.Err() != nil {
			return nil
		}
		s.mu.Lock()
		var payload []byte
		var req fileReq
		ping, reading := false, false
		if len(s.ctrl) > 0 {
			payload, s.ctrl = s.ctrl[0], s.ctrl[1:]
			ping = sp.OnlyPings(payload)
		} else if len(s.queue) > 0 {
			req, reading = s.queue[0], true
		}
		s.mu.Unlock()
		if reading {
			// The disk is read without the lock, so receiving goes on
			// meanwhile; what changed the queue is looked at after.
			p, n, err := s.readChunk(tx, req)
			s.mu.Lock()
			wanted, done := s.advance(req, n, err == nil)
			s.mu.Unlock()
			if done || !wanted {
				tx.drop(req.hash) // reopened if the peer asks again
			}
			if !wanted {
				continue // DONE or HALT came meanwhile: the packet may be gone
			}
			if err != nil {
				return err
			}
			payload = p
		}
		s.mu.Lock()
		more := len(s.ctrl) > 0 || len(s.queue) > 0
		s.mu.Unlock()
		if payload == nil {
			if err := s.flush(); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-s.wake:
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if !ping && s.opt.TxRate > 0 {
			if !pace(ctx, s.opt.TxRate) {
				return nil
			}
			more = false // paced: each payload leaves on its own
		}
		// Payloads that are ready together leave in one write: a thousand
		// small packets cost a few dozen system calls, not a thousand.
		if err := s.t.queue(payload); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if !more || s.t.pending() >= sendBatch {
			if err := s.flush(); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		s.mu.Lock()
		s.lastWrite = s.now()
		if !ping {
			s.lastActive = s.lastWrite
		}
		s.mu.Unlock()
	}
}

// dropRequests forgets the queued FILE requests for id, whose packet is
// about to be removed. The caller holds s.mu.
func (s *session) dropRequests(id packet.ID) {
	q := s.queue[:0]
	for _, r := range s.queue {
		if r.hash != id {
			q = append(q, r)
		}
	}
	s.queue = q
}

// sendBatch is how many bytes of envelopes may wait for one write.
const sendBatch = 128 << 10

// flush writes the queued envelopes.
func (s *session) flush() error {
	if s.t.pending() == 0 {
		return nil
	}
	if err := setDeadline(s.t.rw, false, s.opt.Deadline); err != nil {
		return &connError{fmt.Errorf("send: %w", err)}
	}
	if err := s.t.flush(); err != nil {
		return &connError{fmt.Errorf("send: %w", err)}
	}
	return nil
}

// advance books n bytes sent of req, whose data was read without the
// lock; ok says whether the read succeeded. wanted is false when the
// request left the queue meanwhile (DONE, HALT): its data is not sent.
// done says the request is complete. The caller holds s.mu.
func (s *session) advance(req fileReq, n int64, ok bool) (wanted, done bool) {
	for i := range s.queue {
		q := &s.queue[i]
		if q.hash != req.hash || q.offset != req.offset {
			continue
		}
		if !ok {
			return true, false
		}
		q.offset += n
		s.stats.TxBytes += n
		if q.offset >= q.size {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return true, true
		}
		return true, false
	}
	return false, false
}

// readChunk builds the FILE payload for req's next chunk and says how
// many data bytes it carries. It reads the disk, so it runs without
// s.mu and touches no session state but tx.
func (s *session) readChunk(tx *txFiles, req fileReq) ([]byte, int64, error) {
	rest := req.size - req.offset
	if rest <= int64(len(tx.buf)) && tx.open[req.hash] == nil {
		// The rest fits one message (every small packet): one open,
		// read and close, without a stream's setup.
		n, err := s.sp.ReadAt(s.node.ID, spool.TX, req.hash, tx.buf[:rest], req.offset)
		if err == nil && int64(n) < rest {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", req.hash, err)
		}
		return tx.fileMsg(req.hash, req.offset, tx.buf[:n]), rest, nil
	}
	t, err := tx.stream(req.hash, req.offset, func() (*fsio.StreamReader, error) {
		return s.sp.OpenStreamAt(s.node.ID, spool.TX, req.hash, req.offset)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", req.hash, err)
	}
	n := 0
	if rest > 0 {
		n, err = io.ReadFull(t.r, tx.buf[:min(int64(len(tx.buf)), rest)])
		t.pos += int64(n)
		if n == 0 && err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", req.hash, err)
		}
	}
	return tx.fileMsg(req.hash, req.offset, tx.buf[:n]), int64(n), nil
}

// txFiles holds the packet being sent, read ahead in order (around the
// page cache when it is not in it). One packet is read at a time: a
// request overtaken by a more urgent one is reopened at its offset when
// its turn comes back, so a peer cannot make us hold many read-aheads.
type txFiles struct {
	open map[packet.ID]*txStream
	buf  []byte
	msg  []byte // the FILE payload, reused: it is queued before the next is built
}

type txStream struct {
	r   *fsio.StreamReader
	pos int64
}

func newTxFiles() *txFiles {
	return &txFiles{open: map[packet.ID]*txStream{}, buf: make([]byte, sp.MaxFileData)}
}

// stream returns the open stream of id positioned at off, closing any
// other; open opens it there when it is not open.
func (x *txFiles) stream(id packet.ID, off int64, open func() (*fsio.StreamReader, error)) (*txStream, error) {
	for h := range x.open {
		if h != id || x.open[h].pos != off {
			x.drop(h)
		}
	}
	if t := x.open[id]; t != nil {
		return t, nil
	}
	r, err := open()
	if err != nil {
		return nil, err
	}
	t := &txStream{r: r, pos: off}
	x.open[id] = t
	return t, nil
}

func (x *txFiles) drop(id packet.ID) {
	if t := x.open[id]; t != nil {
		_ = t.r.Close() // read only
		delete(x.open, id)
	}
}

func (x *txFiles) closeAll() {
	for h := range x.open {
		x.drop(h)
	}
}

func (x *txFiles) fileMsg(id packet.ID, off int64, data []byte) []byte {
	x.msg = (&sp.Msg{Type: sp.TypeFile, Hash: id, Offset: uint64(off), Data: data}).Append(x.msg[:0])
	return x.msg
}
