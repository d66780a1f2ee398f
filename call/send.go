package call

import (
	"context"
	"fmt"
	"io"
	"time"

	"ferry/call/sp"
	"ferry/packet"
	"ferry/spool"
	"ferry/spool/fsio"
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
		ping := false
		if len(s.ctrl) > 0 {
			payload, s.ctrl = s.ctrl[0], s.ctrl[1:]
			ping = len(payload) == 4
		} else if len(s.queue) > 0 {
			var err error
			if payload, err = s.nextFile(tx); err != nil {
				s.mu.Unlock()
				return err
			}
		}
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
			time.Sleep(time.Second / time.Duration(s.opt.TxRate))
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
		s.lastWrite = time.Now()
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
	setDeadline(s.t.rw, false, Deadline())
	if err := s.t.flush(); err != nil {
		return &connError{fmt.Errorf("send: %w", err)}
	}
	return nil
}

// nextFile builds the next FILE payload for the head of the queue. The
// caller holds s.mu.
func (s *session) nextFile(tx *txFiles) ([]byte, error) {
	req := &s.queue[0]
	rest := req.size - req.offset
	if rest <= int64(len(tx.buf)) && tx.open[req.hash] == nil {
		// The rest fits one message (every small packet): one open,
		// read and close, without a stream's setup.
		n, err := s.sp.ReadAt(s.node.ID, spool.TX, req.hash, tx.buf[:rest], req.offset)
		if err == nil && int64(n) < rest {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", req.hash, err)
		}
		payload := tx.fileMsg(req.hash, req.offset, tx.buf[:n])
		s.stats.TxBytes += rest
		s.queue = s.queue[1:]
		return payload, nil
	}
	t, err := tx.stream(req.hash, req.offset, func() (*fsio.StreamReader, error) {
		return s.sp.OpenStreamAt(s.node.ID, spool.TX, req.hash, req.offset)
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", req.hash, err)
	}
	n := 0
	if rest > 0 {
		n, err = io.ReadFull(t.r, tx.buf[:min(int64(len(tx.buf)), rest)])
		t.pos += int64(n)
		if n == 0 && err != nil {
			return nil, fmt.Errorf("read %s: %w", req.hash, err)
		}
	}
	payload := tx.fileMsg(req.hash, req.offset, tx.buf[:n])
	req.offset += int64(n)
	s.stats.TxBytes += int64(n)
	if req.offset >= req.size {
		s.queue = s.queue[1:]
		tx.drop(req.hash) // reopened if the peer asks again
	}
	return payload, nil
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
		t.r.Close()
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
