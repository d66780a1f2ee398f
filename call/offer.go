package call

import (
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/spool"
)

// Offering the tx queue. A queue of a million packets is a million INFOs
// (48 MB of payloads) and, listed whole, a million Jobs: the session
// offers it from a spool.Listing instead, a few payloads at a time.
//
//	handshake   newInfos: List tx, the first infoBurst payloads
//	            (the first rides in the handshake, the rest in ctrl)
//	every tick  offerMore: while ctrl has drained to infoLowWater,
//	            infoBurst payloads more from the same listing
//	listing out offerMore: a new listing once tx's directory changed,
//	            at most once a second, and no more often than
//	            rescanFactor times what the last listing cost
//
// So the first packet leaves as soon as the peer asks for it, the INFOs
// waiting in memory are bounded, and a queue emptied by this very
// session's DONEs is not listed again every second.

// offered is what the session keeps of a packet it offered: what a FREQ
// for it needs (a Job is over 100 bytes, a million of them 100 MB).
type offered struct {
	size int64
	nice uint8
}

// offering is where the offering of tx stands.
type offering struct {
	list    *spool.Listing // being offered; nil once handed out whole
	last    *spool.Listing // the latest listing, to tell whether tx changed since
	started time.Time      // when the latest listing began
	cost    time.Duration  // what List took for it
	buf     []spool.Job
}

const (
	// infoBurst is how many INFO payloads one step offers (1,360 INFOs
	// each).
	infoBurst = 4
	// infoLowWater: more is offered once ctrl holds no more payloads
	// than this.
	infoLowWater = 1
	// rescanFactor spaces out the listings of a large queue: a listing
	// that took 200 ms is not repeated within 2 s.
	rescanFactor = 10
)

// newInfos starts a listing of tx when none is being offered and returns
// INFO payloads for the next packets of it not offered yet, at most
// infoBurst of them (the first rides in the handshake).
func (s *session) newInfos() [][]byte {
	if s.opt.RxOnly || s.opt.List {
		return nil
	}
	o := &s.offers
	if o.list == nil {
		t0 := time.Now()
		l, err := s.sp.List(s.node.ID, spool.TX)
		if err != nil {
			s.log.Error("cannot list the tx queue: nothing offered", "who", "sp-info", "err", err)
			return nil
		}
		o.list, o.last, o.started, o.cost = l, l, s.now(), time.Since(t0)
		s.logBad(l.Bad())
	}
	return s.nextInfos(infoBurst)
}

// logBad logs, once a session, each tx file that is not a packet.
func (s *session) logBad(bad []spool.BadFile) {
	var fresh []spool.BadFile
	s.mu.Lock()
	for _, b := range bad {
		if !s.badLogged[b.ID] {
			s.badLogged[b.ID] = true
			fresh = append(fresh, b)
		}
	}
	s.mu.Unlock()
	for _, b := range fresh {
		s.log.Error("not a packet: not offered", "who", "sp-info", "path", b.Path, "err", b.Err)
	}
}

// nextInfos builds up to max INFO payloads from the listing being
// offered, skipping what was offered or acknowledged already and what is
// above the session's niceness. The listing is read without the lock.
func (s *session) nextInfos(max int) [][]byte {
	o := &s.offers
	if o.buf == nil {
		o.buf = make([]spool.Job, sp.MaxPayload/infoLen)
	}
	// A batch is one payload's worth of INFOs, so each batch is one
	// payload (less than full where some were skipped).
	var out [][]byte
	for o.list != nil && len(out) < max {
		n, err := o.list.Next(o.buf)
		if err != nil {
			s.log.Error("cannot list the tx queue: the rest not offered", "who", "sp-info", "err", err)
		}
		if n == 0 || err != nil {
			o.list = nil
			break
		}
		var cur []byte
		s.mu.Lock()
		for _, j := range o.buf[:n] {
			if j.Nice > s.opt.Nice {
				continue
			}
			if _, ok := s.advertised[j.ID]; ok || s.acked[j.ID] {
				continue
			}
			s.advertised[j.ID] = offered{size: j.Size, nice: j.Nice}
			cur = (&sp.Msg{Type: sp.TypeInfo, Nice: j.Nice, Size: uint64(j.Size), Hash: j.ID}).Append(cur)
		}
		s.mu.Unlock()
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
	return out
}

// infoLen is the size of one INFO in a payload.
var infoLen = (&sp.Msg{Type: sp.TypeInfo}).Len()

// offerMore offers the next packets of tx once the offers queued have
// drained, and lists tx again when it changed (see the top of the file).
func (s *session) offerMore() {
	if s.opt.RxOnly || s.opt.List {
		return
	}
	s.mu.Lock()
	backlog := len(s.ctrl)
	s.mu.Unlock()
	if backlog > infoLowWater {
		return
	}
	o := &s.offers
	if o.list == nil {
		since := s.now().Sub(o.started)
		if since < time.Second || since < rescanFactor*o.cost {
			return
		}
		if o.last != nil && !o.last.Changed() {
			return
		}
	}
	infos := s.newInfos()
	if len(infos) == 0 {
		return
	}
	s.mu.Lock()
	s.ctrl = append(s.ctrl, infos...)
	s.lastActive = s.now()
	s.mu.Unlock()
	s.poke()
}
