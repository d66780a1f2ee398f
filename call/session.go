package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// Options shape a session.
type Options struct {
	Nice           uint8 // only packets with nice <= this (0: 255)
	RxOnly, TxOnly bool
	List           bool               // only log what the peer offers
	Pkts           map[packet.ID]bool // nil: fetch everything offered
	NoCK           bool               // no checksum during the session: .nock files
	RxRate, TxRate int                // payloads per second (0: unlimited)
	OnlineDeadline time.Duration      // idle time that ends the session
	MaxOnlineTime  time.Duration      // 0: unlimited
	Deadline       time.Duration      // bounds the handshake and each write (0: DefaultDeadline)
	// AutoToss is called every second and at the end, never under the
	// session's lock. It must not block: it asks for a toss that runs
	// elsewhere (the command owns the tossing goroutine).
	AutoToss func()
	Progress func(Stats) // called every second with the totals so far, never under the session's lock
	Clock    Clock       // nil: the real clock
	Log      *slog.Logger
}

// Stats sums up a session.
type Stats struct {
	Node             string
	RxBytes, TxBytes int64
	RxPkts, TxPkts   int
	Duration         time.Duration
	End              End  // how the session ended
	Left             Left // what it did not finish (resumed by the next session)
	NoRoom           int  // offered packets not requested: they did not fit above the reserve (room.go)
	OverQuota        int  // offered packets not requested: they did not fit an rx quota (quota.go)

	// The packets being received and sent right now (for progress bars);
	// zero Size when there is none.
	Rx, Tx Transfer
}

// Transfer is one packet in flight: Done of Size bytes are in place.
type Transfer struct {
	ID         packet.ID
	Done, Size int64
}

// ErrSilence ends a session whose peer sent nothing for two minutes.
var ErrSilence = errors.New("peer silent for 120 s")

type fileReq struct {
	hash   packet.ID
	offset int64
	size   int64
	nice   uint8
}

type rxFile struct {
	part  *spool.Part
	bw    *fsio.BulkWriter // in-order writes (and hashing); nil once data came out of order
	mth   *packet.MTH      // fed by bw; nil unless hashed from byte 0 in order: rehash at the end
	next  int64
	size  int64
	start int64
}

type session struct {
	sp   *spool.Spool
	c    *cfg.Config
	node *cfg.Node
	opt  Options
	log  *slog.Logger
	t    *transport
	// initiator: we called. Offers the peer never took count as left
	// when a call ends other than by our own deadline (see Left).
	initiator bool
	now       func() time.Time
	// The offering of tx (offer.go): used by Call or Serve before the
	// session runs, then by timerLoop alone, so it needs no lock.
	offers offering

	mu         sync.Mutex
	advertised map[packet.ID]offered // offered, not yet acknowledged
	requested  map[packet.ID]bool    // advertised ones the peer asked for
	acked      map[packet.ID]bool    // acknowledged: not to be offered again
	badLogged  map[packet.ID]bool    // tx files that are not packets, logged once a session
	peerInfo   map[packet.ID]int64
	fetching   map[packet.ID]int64 // asked for (size), not yet stored
	queue      []fileReq
	ctrl       [][]byte
	rx         map[packet.ID]*rxFile
	rxState    *spool.RxState     // what rx/ held at the last listing (guarded by mu)
	received   map[packet.ID]bool // committed into rx/ by this session (guarded by mu)
	// verified downloads on their way to the committer (see commit.go)
	arrivals   chan arrival
	waiting    map[packet.ID]bool // handed to the committer, not yet in rx (guarded by mu)
	ending     <-chan struct{}    // closed when the session's loops are to stop
	leftover   []arrival          // arrivals the committer will not take: for finish
	lastActive time.Time          // last non-PING payload either way
	handling   bool               // a received payload is being handled
	lastRead   time.Time
	lastWrite  time.Time
	stats      Stats
	started    time.Time

	wake chan struct{}

	// Space promised to requested downloads, and the offers not
	// requested because they did not fit (room.go; guarded by mu).
	claims map[packet.ID]*spool.Claim
	noRoom map[packet.ID]bool
	// Room in the rx quotas promised to requested downloads, and the
	// offers not requested for a quota (quota.go; guarded by mu).
	quotaClaims map[packet.ID]*spool.QuotaClaim
	overQuota   map[packet.ID]bool
}

func newSession(sp *spool.Spool, c *cfg.Config, node *cfg.Node, opt Options) *session {
	if opt.Nice == 0 {
		opt.Nice = packet.NiceMax
	}
	if opt.OnlineDeadline <= 0 {
		opt.OnlineDeadline = node.OnlineDeadline
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	opt.Deadline = deadlineOr(opt.Deadline)
	clock := clockOr(opt.Clock)
	now := clock.Now()
	return &session{sp: sp, c: c, node: node, opt: opt, log: opt.Log.With("node", node.Name), now: clock.Now,
		advertised: map[packet.ID]offered{}, requested: map[packet.ID]bool{}, acked: map[packet.ID]bool{}, badLogged: map[packet.ID]bool{},
		peerInfo: map[packet.ID]int64{}, fetching: map[packet.ID]int64{}, rx: map[packet.ID]*rxFile{},
		claims: map[packet.ID]*spool.Claim{}, noRoom: map[packet.ID]bool{},
		quotaClaims: map[packet.ID]*spool.QuotaClaim{}, overQuota: map[packet.ID]bool{},
		arrivals: make(chan arrival, maxWaiting), waiting: map[packet.ID]bool{}, received: map[packet.ID]bool{},
		lastActive: now, lastRead: now, lastWrite: now, started: now, wake: make(chan struct{}, 1),
		stats: Stats{Node: node.Name}}
}

func (s *session) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// reply collects the answers to one received payload into payloads.
type reply struct{ out [][]byte }

func (r *reply) add(m sp.Msg) {
	if len(r.out) == 0 || len(r.out[len(r.out)-1])+m.Len() > sp.MaxPayload {
		r.out = append(r.out, nil)
	}
	r.out[len(r.out)-1] = m.Append(r.out[len(r.out)-1])
}

// run drives an established session until it ends.
func (s *session) run(ctx context.Context, peerFirst []byte) (Stats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.ending = ctx.Done()
	if c, ok := s.t.rw.(interface{ Close() error }); ok {
		stop := context.AfterFunc(ctx, func() { _ = c.Close() }) // to unblock the reader: the session's end is its result
		defer stop()
	}
	if err := s.handle(peerFirst); err != nil {
		return s.finish(EndFailed, err)
	}
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); cancel(s.recvLoop(ctx)) }()
	go func() { defer wg.Done(); cancel(s.commitLoop(ctx)) }()
	go func() { defer wg.Done(); cancel(s.sendLoop(ctx)) }()
	go func() { defer wg.Done(); cancel(s.timerLoop(ctx)) }()
	wg.Wait()
	cause := context.Cause(ctx)
	return s.finish(classify(cause), cause)
}

var errIdle = errors.New("session idle")

// finish commits what was verified, closes the downloads left as .part
// and sums up what the session left undone.
func (s *session) finish(end End, cause error) (Stats, error) {
	// Verified before the session ended: keep them (the DONEs may not
	// leave any more; the peer offers them again and hears DONE then).
	if cerr := s.commitRest(); cerr != nil && end != EndFailed && end != EndBroken {
		end, cause = EndFailed, cerr
	}
	s.releaseAllClaims()
	s.mu.Lock()
	var unclosed []error
	for id, r := range s.rx {
		if err := r.close(); err != nil {
			unclosed = append(unclosed, fmt.Errorf("%s: %w", id, err))
		}
		if _, ok := s.fetching[id]; !ok { // sent to us unasked: left all the same
			s.fetching[id] = r.size
		}
	}
	s.stats.End = end
	s.stats.Left = s.left(end)
	s.stats.Duration = s.now().Sub(s.started)
	st := s.stats
	s.mu.Unlock()
	for _, err := range unclosed {
		// The next call resumes from what reached the disk.
		s.log.Warn("download left as .part, not closed cleanly", "who", "sp-file", "err", err)
	}
	if s.opt.AutoToss != nil {
		s.opt.AutoToss()
	}
	return st, result(end, cause, st.Left)
}

// left counts the transfers begun and not finished. The caller holds s.mu.
func (s *session) left(end End) Left {
	var l Left
	for _, size := range s.fetching {
		l.HalfReceived++
		l.HalfReceivedSize += size
	}
	for id, j := range s.advertised {
		switch {
		case s.requested[id]:
			l.HalfSent++
			l.HalfSentSize += j.size
		case s.initiator && end != EndIdle:
			l.NotTaken++
			l.NotTakenSize += j.size
		}
	}
	return l
}

func (s *session) recvLoop(ctx context.Context) error {
	for {
		payload, err := s.t.recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return errPeerEOF // its idle end, or it died: what is left tells
			}
			return &connError{fmt.Errorf("receive: %w", err)}
		}
		if err := s.handle(payload); err != nil {
			return err
		}
		if !pace(ctx, s.opt.RxRate) {
			return nil
		}
	}
}

// timerLoop offers more of tx every 100 ms as the offers sent drain (and
// rescans it once they are all out, see offerMore), tosses and pings
// once a second, and checks every 100 ms whether the session is over,
// so a call ends promptly once both sides fall idle.
func (s *session) timerLoop(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var stall stallGuard
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		s.offerMore()
		if n%10 == 9 {
			s.everySecond()
		}
		if stall.holding(time.Now()) {
			continue
		}
		s.mu.Lock()
		err := s.over(s.now())
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// over says whether the session is over at now: the peer silent for two
// minutes, the maximum time reached, or the idle deadline passed with
// nothing to do on our side: nothing to send, no received payload being
// handled, no verified download waiting for its commit. A receiver whose
// disk stalls for longer than the deadline reads nothing meanwhile and
// must not take its own pause for the end of the session. A peer that
// stops sending mid-packet does end it (as NNCP's deadline does), so a
// peer gone without a word holds a call for the deadline, not for the
// two minutes of silence. The caller holds s.mu.
//
// A packet sent whole whose DONE has not come keeps the session open for
// doneGrace past the deadline: the peer is checking and committing it,
// which on a slow or loaded disk takes longer than a short deadline, and
// ending the call then leaves a delivered packet counted as half-sent
// (and re-offered next time). The grace is bounded, so a peer that never
// answers still ends the call long before the two minutes of silence.
func (s *session) over(now time.Time) error {
	busy := len(s.queue) > 0 || len(s.ctrl) > 0 || s.handling || len(s.waiting) > 0
	idle := now.Sub(s.lastActive)
	switch {
	case now.Sub(s.lastRead) >= 120*time.Second:
		return ErrSilence
	case s.opt.MaxOnlineTime > 0 && now.Sub(s.started) >= s.opt.MaxOnlineTime:
		return errIdle
	case idle >= s.opt.OnlineDeadline && !busy:
		if idle < s.opt.OnlineDeadline+doneGrace && s.awaitingDone() {
			return nil
		}
		return errIdle
	}
	return nil
}

// doneGrace is how long past the idle deadline a session waits for the
// DONE of a packet it has sent whole.
const doneGrace = 30 * time.Second

// awaitingDone says whether a packet the peer asked for has not been
// acknowledged yet. The caller holds s.mu; called only when the session
// is otherwise idle, so walking the requests costs nothing in a busy one.
func (s *session) awaitingDone() bool {
	for id := range s.requested {
		if _, ok := s.advertised[id]; ok {
			return true
		}
	}
	return false
}

func (s *session) everySecond() {
	if s.opt.AutoToss != nil {
		s.opt.AutoToss()
	}
	s.mu.Lock()
	st := s.stats
	st.Duration = s.now().Sub(s.started)
	st.Rx, st.Tx = s.inFlight()
	if s.now().Sub(s.lastWrite) >= 60*time.Second {
		s.ctrl = append(s.ctrl, (&sp.Msg{Type: sp.TypePing}).Append(nil))
	}
	s.mu.Unlock()
	if s.opt.Progress != nil {
		s.opt.Progress(st) // after unlocking: a slow terminal does not stall the session
	}
}

// pace waits out one payload's share of a second at rate payloads per
// second (0: no wait); false when ctx ended first.
func pace(ctx context.Context, rate int) bool {
	if rate <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(time.Second / time.Duration(rate))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// inFlight returns the largest download under way and the upload being
// sent. The caller holds s.mu.
func (s *session) inFlight() (rx, tx Transfer) {
	for id, f := range s.rx {
		if f.size > rx.Size {
			rx = Transfer{ID: id, Done: f.next, Size: f.size}
		}
	}
	if len(s.queue) > 0 {
		q := s.queue[0]
		tx = Transfer{ID: q.hash, Done: q.offset, Size: q.size}
	}
	return rx, tx
}

// enqueue inserts a FILE request by niceness, after equals, so a more
// urgent packet overtakes bulk ones already being sent.
func (s *session) enqueue(r fileReq) {
	i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].nice > r.nice })
	s.queue = append(s.queue, fileReq{})
	copy(s.queue[i+1:], s.queue[i:])
	s.queue[i] = r
}

// close releases an unfinished download: the file stays as .part, for
// the next call to resume from what reached it.
func (r *rxFile) close() error {
	var err error
	if r.bw != nil {
		err = r.bw.Finish()
	}
	return errors.Join(err, r.part.Close())
}
