// Package flood is a bounded load generator for the daemon tests and
// `make bench`: it sends well-formed but unauthenticated Noise-IK
// message 1s to a daemon, or holds idle connections to it, always on
// 127.0.0.1 and nowhere else, with bounded connections and duration.
package flood

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flynn/noise"

	"github.com/ferry-dtn/ferry/call/sp"
)

// target is the only address flood ever dials; Options has no way to
// name another.
const target = "127.0.0.1"

// Bounds on what any caller may ask for.
const (
	MaxConns    = 2000
	MaxSources  = 250 // 127.0.0.2 ... 127.0.0.251
	MaxDuration = 5 * time.Minute
)

// Options say how hard to push and for how long.
type Options struct {
	Port      int           // the daemon's port on 127.0.0.1
	DaemonPub [32]byte      // its noisepub, so message 1s are well-formed
	Conns     int           // connections at once
	Sources   int           // spread over 127.0.0.2 onwards; default 1
	Duration  time.Duration // stop after this long (at most MaxDuration)
	Count     int           // Handshakes: stop after this many message 1s; 0: no limit
	Progress  *atomic.Int64 // if set, Handshakes counts message 1s here as they go
}

// Result is what was done.
type Result struct {
	Sent     int64         // message 1s written (Handshakes)
	Dials    int64         // connections opened
	Failed   int64         // dials that failed
	PeakHeld int64         // most connections open at once (Idle)
	MeanHeld float64       // connections open on average (Idle)
	Elapsed  time.Duration // how long it ran
}

func (o *Options) check() error {
	if o.Port <= 0 || o.Port > 65535 {
		return fmt.Errorf("flood: bad port %d", o.Port)
	}
	if o.Conns <= 0 || o.Conns > MaxConns {
		return fmt.Errorf("flood: connections must be 1..%d, not %d", MaxConns, o.Conns)
	}
	if o.Sources <= 0 {
		o.Sources = 1
	}
	if o.Sources > MaxSources {
		return fmt.Errorf("flood: at most %d source addresses", MaxSources)
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		return fmt.Errorf("flood: duration must be within (0, %s]", MaxDuration)
	}
	return nil
}

// dialer for worker i: from 127.0.0.(2 + i mod Sources) to 127.0.0.1.
func (o *Options) dial(ctx context.Context, i int) (*net.TCPConn, error) {
	src := net.IPv4(127, 0, 0, byte(2+i%o.Sources))
	if !src.IsLoopback() {
		panic("flood: source outside 127.0.0.0/8")
	}
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: src}}
	addr := net.JoinHostPort(target, fmt.Sprint(o.Port))
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	if ip := tc.RemoteAddr().(*net.TCPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		_ = tc.Close() // about to panic: the address is the news
		panic("flood: connected to " + ip.String())
	}
	return tc, nil
}

// Message1 is a framed message 1 as a caller with a fresh key, known to
// no daemon, would send it to the holder of daemonPub: padded like a real
// caller's, so the daemon does all its work (two X25519, decrypting the
// payload) before it finds the key unknown.
func Message1(daemonPub [32]byte) ([]byte, error) {
	static, err := noise.DH25519.GenerateKeypair(rand.Reader)
	if err != nil {
		return nil, err
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2b),
		Pattern:     noise.HandshakeIK, Initiator: true, StaticKeypair: static, PeerStatic: daemonPub[:],
	})
	if err != nil {
		return nil, err
	}
	halt := (&sp.Msg{Type: sp.TypeHalt}).Append(nil)
	payload := bytes.Repeat(halt, sp.HaltPadding(0))
	msg, _, _, err := hs.WriteMessage(nil, payload)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := sp.WriteEnvelope(&b, msg); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Handshakes has Conns workers each connect, send a message 1, wait for
// the daemon to hang up (it does not know the key) and start again, as
// fast as the daemon lets them, until the duration or Count is reached
// or ctx ends. Connections are reset, not closed, so that neither side
// keeps TIME_WAIT entries.
func Handshakes(ctx context.Context, o Options) (Result, error) {
	if err := o.check(); err != nil {
		return Result{}, err
	}
	msgs := make([][]byte, min(o.Conns, 32)) // distinct keys, reused: replaying costs the flood nothing
	for i := range msgs {
		m, err := Message1(o.DaemonPub)
		if err != nil {
			return Result{}, err
		}
		msgs[i] = m
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var r Result
	var tries atomic.Int64 // connections started, for Count
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Conns {
		wg.Go(func() {
			var buf [512]byte
			for ctx.Err() == nil {
				if o.Count > 0 && tries.Add(1) > int64(o.Count) {
					cancel()
					return
				}
				c, err := o.dial(ctx, i)
				atomic.AddInt64(&r.Dials, 1)
				if err != nil {
					atomic.AddInt64(&r.Failed, 1)
					pause(ctx, 10*time.Millisecond)
					continue
				}
				stop := context.AfterFunc(ctx, func() { _ = c.Close() }) // ends the read below
				if err := c.SetDeadline(time.Now().Add(15 * time.Second)); err != nil {
					stop()
					atomic.AddInt64(&r.Failed, 1)
					_ = c.Close() // given up on
					continue
				}
				if _, err := c.Write(msgs[i%len(msgs)]); err == nil {
					atomic.AddInt64(&r.Sent, 1)
					if o.Progress != nil {
						o.Progress.Add(1)
					}
				}
				for { // until the daemon hangs up
					if _, err := c.Read(buf[:]); err != nil {
						break
					}
				}
				stop()
				hangUp(c)
			}
		})
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	return r, nil
}

// Idle holds Conns silent connections open, opening a new one (after a
// pause of 250 ms: holding, not churning, is this mode's point; churn is
// Handshakes') whenever the daemon closes one, until the duration ends
// or ctx does.
func Idle(ctx context.Context, o Options) (Result, error) {
	if err := o.check(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var r Result
	var held atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Conns {
		wg.Go(func() {
			var buf [512]byte
			for ctx.Err() == nil {
				c, err := o.dial(ctx, i)
				atomic.AddInt64(&r.Dials, 1)
				if err != nil {
					atomic.AddInt64(&r.Failed, 1)
					pause(ctx, 10*time.Millisecond)
					continue
				}
				n := held.Add(1)
				for {
					p := atomic.LoadInt64(&r.PeakHeld)
					if n <= p || atomic.CompareAndSwapInt64(&r.PeakHeld, p, n) {
						break
					}
				}
				stop := context.AfterFunc(ctx, func() { _ = c.Close() }) // ends the read below
				for {                                                    // silent until the daemon hangs up
					if _, err := c.Read(buf[:]); err != nil {
						break
					}
				}
				stop()
				held.Add(-1)
				hangUp(c)
				pause(ctx, 250*time.Millisecond)
			}
		})
	}
	// The mean of what is held, sampled every 50 ms; owned here, waited
	// for below.
	var sum, samples int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sum += held.Load()
				samples++
			}
		}
	}()
	wg.Wait()
	<-sampled
	r.Elapsed = time.Since(start)
	if samples > 0 {
		r.MeanHeld = float64(sum) / float64(samples)
	}
	return r, nil
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// hangUp closes a connection the daemon is done with at once (a reset,
// not TIME_WAIT: a flood would run out of ports). Its errors say only
// that the daemon closed first.
func hangUp(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
