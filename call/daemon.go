package call

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Daemon accepts calls on a listener until its context ends; then it stops
// accepting and waits for its connections to end.
//
// A connection is first pending (its caller is not known yet) and becomes
// a session once the handshake has identified a neighbour. The two are
// counted apart, so that connections which never finish a handshake can
// never take the slots of neighbours that do:
//
//	accept ──> pending (MaxPending, MaxPendingPerAddr; the oldest
//	           │        silent one is closed when a new one needs its
//	           │        place; an address whose handshakes keep failing
//	           │        is refused for a while)
//	           │  message 1 computed at most Handshakers at once, fairly
//	           │  between source addresses
//	           └─> session (MaxConn)
//
// See admission.go for the counting and handshake.go for the deadlines.
type Daemon struct {
	// Serve runs one session over conn, which it must hand to call.Serve
	// as it is: the daemon's admission rides on it.
	Serve             func(ctx context.Context, conn net.Conn) error
	MaxConn           int           // sessions at once; default 128
	MaxPending        int           // connections still in their handshake; default 256
	MaxPendingPerAddr int           // of those, from one source address; default 8
	Handshakers       int           // message 1s computed at once; default half the CPUs, at least 1
	LogEvery          time.Duration // refusals are summed up once per this; default 10 s
	Log               *slog.Logger  // nil: discard
	// Refused, when set, hears of each connection turned away, with the
	// reason logged for it; handshake is true for one whose handshake
	// failed (timeout, unknown key, garbage), false for one refused
	// under load or an accept error. It runs on the daemon's goroutines,
	// under no lock: it must be quick and safe for concurrent use.
	Refused func(reason string, handshake bool)
	// Ages, when set, applies the config's age limits as the daemon runs.
	Ages *AgeKeeper
}

// Defaults of the Daemon's limits.
const (
	DefaultMaxConn           = 128
	DefaultMaxPending        = 256
	DefaultMaxPendingPerAddr = 8
)

// Accept errors are retried after a pause that starts at acceptMinDelay
// and doubles up to acceptMaxDelay, as net/http's Server does: a daemon
// out of file descriptors keeps its listener and serves again once
// sessions end.
const (
	acceptMinDelay = 5 * time.Millisecond
	acceptMaxDelay = time.Second
)

func (d *Daemon) defaults() {
	if d.MaxConn <= 0 {
		d.MaxConn = DefaultMaxConn
	}
	if d.MaxPending <= 0 {
		d.MaxPending = DefaultMaxPending
	}
	if d.MaxPendingPerAddr <= 0 {
		d.MaxPendingPerAddr = DefaultMaxPendingPerAddr
	}
	if d.Handshakers <= 0 {
		d.Handshakers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if d.LogEvery <= 0 {
		d.LogEvery = 10 * time.Second
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
}

// Run serves l until ctx is done.
func (d *Daemon) Run(ctx context.Context, l net.Listener) error {
	d.defaults()
	adm := newAdmission(d.MaxConn, d.MaxPending, d.MaxPendingPerAddr, d.Handshakers)
	logged := newRefusals(d.Log)
	refused := refusalCounter{logged, d.Refused}
	var wg sync.WaitGroup
	// The summary of refusals: owned by Run, which waits for it.
	tickCtx, stopTick := context.WithCancel(ctx)
	wg.Go(func() { logged.every(tickCtx, d.LogEvery) })
	stopAges := d.Ages.start(ctx, nil)
	defer func() {
		stopTick()
		stopAges()
		adm.closeAll() // pending handshakes end now; sessions end with ctx
		wg.Wait()
		logged.flush()
	}()
	stop := context.AfterFunc(ctx, func() { _ = l.Close() }) // ends Accept: its error is what the loop sees
	defer stop()
	delay := time.Duration(0)
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !retryable(err) {
				return err
			}
			delay = min(max(2*delay, acceptMinDelay), acceptMaxDelay)
			refused.add(reasonAccept, "", err, "delay", delay.String())
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		delay = 0
		c := adm.newConn(conn)
		evicted, reason := adm.enter(c, time.Now())
		if evicted != nil {
			refused.add(reasonEvicted, evicted.src, nil)
			evicted.shut()
		}
		if reason != "" {
			refused.add(reason, c.src, nil)
			_ = conn.Close() // refused: nothing of it is kept
			continue
		}
		wg.Go(func() {
			defer func() { _ = conn.Close() }() // the session is over: its result is logged below
			defer adm.leave(c)                  // first: the peer may call again as soon as it sees the close
			err := d.Serve(ctx, c)
			switch {
			case err == nil:
			case adm.admitted(c):
				d.Log.Error("session failed", "who", "daemon", "addr", conn.RemoteAddr().String(), "err", err)
			case !c.wasEvicted():
				reason := handshakeReason(err)
				refused.handshake(reason, c.src, err)
				if reason != reasonFull {
					adm.failed(c, time.Now())
				}
			}
		})
	}
}

// retryable says whether an accept error is one the listener recovers
// from: out of descriptors or memory, or a connection that went away
// before it was accepted. Anything else (a closed listener) ends Run.
func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
