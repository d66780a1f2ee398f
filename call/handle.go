package call

import (
	"fmt"
	"io"
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// handle processes one received payload and queues the replies.
func (s *session) handle(payload []byte) error {
	s.mu.Lock()
	s.handling = true // however long the disk takes, the session is not idle
	s.mu.Unlock()
	var r reply
	active := false
	err := sp.Decode(payload, func(m sp.Msg) error {
		if m.Type != sp.TypePing && m.Type != sp.TypeHalt {
			active = true
		}
		switch m.Type {
		case sp.TypeInfo:
			s.onInfo(m, &r)
		case sp.TypeFreq:
			s.onFreq(m)
		case sp.TypeFile:
			return s.onFile(m)
		case sp.TypeDone:
			s.onDone(m)
		case sp.TypeHalt:
			s.mu.Lock()
			s.queue = nil
			s.mu.Unlock()
		}
		return nil
	})
	s.mu.Lock()
	s.handling = false
	s.lastRead = s.now()
	if active {
		s.lastActive = s.lastRead
	}
	s.ctrl = append(s.ctrl, r.out...)
	s.mu.Unlock()
	if len(r.out) > 0 {
		s.poke()
	}
	return err
}

func (s *session) onInfo(m sp.Msg, r *reply) {
	if s.opt.TxOnly || m.Nice > s.opt.Nice {
		return
	}
	if s.opt.List {
		s.log.Info("offered", "who", "sp-info", "pkt", m.Hash.String(), "nice", int(m.Nice), "size", m.Size)
		return
	}
	rs := s.listing()
	s.mu.Lock()
	s.peerInfo[m.Hash] = int64(m.Size)
	have, nock := s.received[m.Hash] || rs.Has(m.Hash) || rs.Seen(m.Hash), rs.Nock(m.Hash)
	_, downloading := s.rx[m.Hash]
	partial := downloading || rs.Part(m.Hash)
	committing := s.waiting[m.Hash]
	s.mu.Unlock()
	if committing {
		return // received and verified: its DONE follows the commit
	}
	if have {
		r.add(sp.Msg{Type: sp.TypeDone, Hash: m.Hash})
		return
	}
	if nock || (s.opt.Pkts != nil && !s.opt.Pkts[m.Hash]) {
		return
	}
	var offset int64
	if partial {
		if size, ok := s.sp.PartSize(s.node.ID, m.Hash); ok {
			offset = size
			if offset > int64(m.Size) {
				// Longer than the packet: junk, fetched afresh (and
				// truncated on open if it could not be removed).
				if err := s.sp.DropPart(s.node.ID, m.Hash); err != nil {
					s.log.Warn("oversized .part not removed", "who", "sp-file", "pkt", m.Hash.String(), "err", err)
				}
				offset = 0
			}
		}
	}
	if !s.claimQuota(m.Hash, int64(m.Size)) {
		return // stays queued at the peer; the smaller ones still come
	}
	if !s.claimRoom(m.Hash, int64(m.Size), int64(m.Size)-offset) {
		s.mu.Lock()
		s.releaseQuota(m.Hash)
		s.mu.Unlock()
		return // stays queued at the peer; the smaller ones still come
	}
	s.mu.Lock()
	s.fetching[m.Hash] = int64(m.Size) // left until stored (see Left)
	s.mu.Unlock()
	r.add(sp.Msg{Type: sp.TypeFreq, Hash: m.Hash, Offset: uint64(offset)})
}

func (s *session) onFreq(m sp.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.advertised[m.Hash]
	if !ok || m.Offset > uint64(j.size) { // unsigned: an offset past 2^63 is not negative
		return
	}
	s.requested[m.Hash] = true
	s.enqueue(fileReq{hash: m.Hash, offset: int64(m.Offset), size: j.size, nice: j.nice})
	s.poke()
}

func (s *session) onDone(m sp.Msg) {
	s.mu.Lock()
	_, ours := s.advertised[m.Hash]
	if ours {
		s.dropRequests(m.Hash) // the peer has it: reading it again would fail
		// Never offered again in this session, not even from a listing
		// of tx taken before the removal below (it would come back
		// acknowledged once more and be counted twice).
		s.acked[m.Hash] = true
	}
	s.mu.Unlock()
	if !ours {
		return
	}
	if err := s.sp.Remove(s.node.ID, spool.TX, m.Hash); err != nil {
		s.log.Error("remove sent packet", "who", "sp-done", "pkt", m.Hash.String(), "err", err)
		return // still offered, so counted as left: it is still queued
	}
	if err := s.sp.MarkSent(s.node.ID, m.Hash, "call", time.Now()); err != nil {
		s.log.Warn("sent packet not marked in its tracking record", "who", "sp-done", "pkt", m.Hash.String(), "err", err)
	}
	s.mu.Lock()
	s.stats.TxPkts++
	delete(s.advertised, m.Hash)
	delete(s.requested, m.Hash)
	s.mu.Unlock()
	s.log.Info("packet sent", "who", "sp-done", "pkt", m.Hash.String())
}

// listing returns the listing of rx/ that answers offers, taken again
// (without the lock: it reads the disk) once it is older than rxStateAge.
func (s *session) listing() *spool.RxState {
	s.mu.Lock()
	rs := s.rxState
	s.mu.Unlock()
	if rs != nil && time.Since(rs.At) <= rxStateAge {
		return rs
	}
	rs, err := s.sp.RxState(s.node.ID)
	if err != nil {
		s.log.Warn("rx listing incomplete: packets already here may be fetched again", "who", "sp-info", "err", err)
	}
	s.mu.Lock()
	s.rxState = rs
	s.mu.Unlock()
	return rs
}

// rxStateAge is how long a listing of rx/ answers offers before it is
// taken again: long enough that a burst of offers costs one listing,
// short enough that markers toss writes meanwhile are soon seen (a
// missed one costs a download that toss then drops as a duplicate).
const rxStateAge = 10 * time.Second

// maxPipedRx is how many downloads at once get a pipelined bulk writer
// (12 MiB of buffers and two goroutines each once past 4 MiB): at most
// 24 MiB per session, as four writers of 6 MiB took before their chunks
// grew to 4 MiB.
const maxPipedRx = 2

// onFile writes received data into the .part file; the last chunk
// triggers the checksum, the rename into rx/ and our DONE.
func (s *session) onFile(m sp.Msg) error {
	s.mu.Lock()
	size, ok := s.peerInfo[m.Hash]
	rf := s.rx[m.Hash]
	committing := s.waiting[m.Hash]
	unasked := s.unrequested(m.Hash)
	s.mu.Unlock()
	if !ok {
		s.log.Error("FILE without INFO ignored", "who", "sp-file", "pkt", m.Hash.String())
		return nil
	}
	if unasked { // its "not requested" line was logged: no line per chunk
		return nil
	}
	if committing {
		return nil // complete already: more of it changes nothing
	}
	off := int64(m.Offset)
	if size < 0 || off < 0 || int64(len(m.Data)) > size-off { // past 2^63 too
		return fmt.Errorf("FILE for %s runs past its announced size", m.Hash)
	}
	if rf == nil {
		part, err := s.sp.OpenPart(s.node.ID, m.Hash)
		if err != nil {
			return err
		}
		if err := noHole(part.File(), off, m.Hash); err != nil {
			_ = part.Close() // nothing written to it yet
			return err
		}
		rf = &rxFile{part: part, size: size, next: off, start: off}
		var hash io.Writer
		if off == 0 && !s.opt.NoCK {
			// Hashed as it is written, on the bulk writer's goroutine once
			// the packet is long, while this one decrypts the stream.
			rf.mth = packet.NewMTH()
			hash = rf.mth
		}
		rf.bw = fsio.NewBulkWriter(part.File(), off, !s.sp.NoSync(), hash)
		s.mu.Lock()
		if len(s.rx) >= maxPipedRx {
			// A peer interleaving many downloads gets plain writes for
			// the extra ones: memory stays bounded whatever it sends.
			rf.bw.StayCached()
		}
		s.rx[m.Hash] = rf
		s.mu.Unlock()
	}
	if rf.bw != nil && off == rf.next {
		if _, err := rf.bw.Write(m.Data); err != nil {
			return spool.WrapPath("write", rf.part.Path(), err)
		}
	} else {
		if rf.bw != nil { // out of order: plain writes, rehash at the end
			if err := rf.bw.Finish(); err != nil {
				return spool.WrapPath("write", rf.part.Path(), err)
			}
			rf.bw, rf.mth = nil, nil
		}
		if err := noHole(rf.part.File(), off, m.Hash); err != nil {
			return err
		}
		if _, err := rf.part.File().WriteAt(m.Data, off); err != nil {
			return spool.WrapPath("write", rf.part.Path(), err)
		}
	}
	s.mu.Lock() // next is read for progress under the lock
	rf.next = off + int64(len(m.Data))
	s.stats.RxBytes += int64(len(m.Data))
	s.usedRoom(m.Hash, int64(len(m.Data)))
	s.mu.Unlock()
	if off+int64(len(m.Data)) != size {
		return nil
	}
	s.mu.Lock()
	delete(s.rx, m.Hash)
	s.releaseRoom(m.Hash)
	s.mu.Unlock()
	return s.complete(m.Hash, rf)
}

func (s *session) complete(id packet.ID, rf *rxFile) error {
	if rf.bw != nil {
		err := rf.bw.Finish()
		rf.bw = nil
		if err != nil {
			_ = rf.part.Close() // the write error is the one to report
			return spool.WrapPath("write", rf.part.Path(), err)
		}
	}
	if s.opt.NoCK {
		if err := rf.part.KeepUnchecked(); err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.fetching, id) // stored; its check and DONE come later
		s.mu.Unlock()
		s.log.Info("packet received, unchecked", "who", "sp-file", "pkt", id.String(), "size", rf.size)
		return nil
	}
	var got packet.ID
	if rf.mth != nil {
		got = rf.mth.Sum()
	} else {
		// Resumed or out of order: hash the file as it now stands.
		var err error
		if got, err = rf.part.Hash(); err != nil {
			_ = rf.part.Close() // the read error is the one to report
			return err
		}
	}
	if got != id {
		err := spool.ErrHashMismatch
		if derr := rf.part.Discard(); derr != nil {
			err = fmt.Errorf("%w; its .part not removed: %w", err, derr)
		}
		s.mu.Lock()
		s.releaseQuota(id)
		s.mu.Unlock()
		s.log.Error("packet damaged in transit, discarded", "who", "sp-file", "pkt", id.String(), "err", err)
		return nil
	}
	s.queueArrival(arrival{Part: rf.part, size: rf.size})
	return nil
}
