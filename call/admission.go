package call

import (
	"container/list"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// ErrDaemonFull is returned by the responder when the caller proved its
// key but every session slot is taken; it gets no second message.
var ErrDaemonFull = errors.New("daemon full: every session slot is taken")

// errEvicted ends the wait of a pending connection closed to make room.
var errEvicted = errors.New("closed to make room for a newer connection")

// admission counts a daemon's connections: pending ones (caller not
// known yet, each source address with its own share) and sessions
// (caller known), and bounds the handshakes computed at once.
//
// What a pending connection costs the daemon is one descriptor, a
// goroutine with its small stack and, once its message 1 has come, two
// X25519 operations under the shared gate; the caller pays a TCP
// connection for each, and a silent one lives only until its first-byte
// deadline or until MaxPending newer connections push it out.
type admission struct {
	mu          sync.Mutex
	pending     *list.List // *daemonConn, oldest first
	perSrc      map[string]int
	sessions    int
	maxSessions int
	maxPending  int
	perAddr     int
	compute     *fairGate
	failures    failures
}

func newAdmission(maxSessions, maxPending, perAddr, handshakers int) *admission {
	return &admission{pending: list.New(), perSrc: map[string]int{}, maxSessions: maxSessions,
		maxPending: maxPending, perAddr: perAddr, compute: newFairGate(handshakers)}
}

type connState int

const (
	statePending connState = iota
	stateSession
	stateGone // left, or evicted
)

// daemonConn is an accepted connection on its way through admission.
// handshakeResponder finds its methods through the admitter interface.
type daemonConn struct {
	net.Conn
	adm     *admission
	src     string // the source address as limits count it
	elem    *list.Element
	state   connState     // under adm.mu
	evicted bool          // under adm.mu
	spoke   bool          // under adm.mu: its first byte has come
	gone    chan struct{} // closed (once) when the daemon closes it
	shutter sync.Once
}

func (a *admission) newConn(conn net.Conn) *daemonConn {
	return &daemonConn{Conn: conn, adm: a, src: sourceKey(conn.RemoteAddr()), gone: make(chan struct{})}
}

// sourceKey is what the per-address limit counts: an IPv4 address, or
// the /64 an IPv6 address is in (one host commonly holds all of it).
func sourceKey(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return a.String()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// Refusal reasons, as the daemon's log counts them.
const (
	reasonPerAddr = "per-addr"      // over the per-address pending limit
	reasonFailing = "failing"       // its address failed too many handshakes lately
	reasonEvicted = "evicted"       // oldest silent pending closed for a newer one
	reasonFull    = "full"          // known caller, no session slot
	reasonTimeout = "timeout"       // nothing, or not all of message 1, in time
	reasonUnknown = "unknown-key"   // message 1 from a key no neighbour has
	reasonBad     = "bad-handshake" // garbage, a cut, a wrong key for us
	reasonAccept  = "accept-error"  // accept failed (out of descriptors...); retried
)

// enter admits c as pending, or says why not. When the pending pool is
// full the oldest pending connection that has said nothing yet makes
// room (the oldest of all if every one has spoken): a caller sends its
// message 1 at once, so silent connections can push each other out but
// not a caller in its handshake. The evicted one is returned for the
// caller to close outside the lock.
func (a *admission) enter(c *daemonConn, now time.Time) (evicted *daemonConn, reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failures.blocked(c.src, now) {
		c.state = stateGone
		return nil, reasonFailing
	}
	if a.perSrc[c.src] >= a.perAddr {
		c.state = stateGone
		return nil, reasonPerAddr
	}
	if a.pending.Len() >= a.maxPending {
		victim := a.pending.Front()
		for e := victim; e != nil; e = e.Next() {
			if !e.Value.(*daemonConn).spoke {
				victim = e
				break
			}
		}
		evicted = a.pending.Remove(victim).(*daemonConn)
		a.dropPending(evicted)
		evicted.evicted = true
	}
	c.elem = a.pending.PushBack(c)
	a.perSrc[c.src]++
	return evicted, ""
}

// dropPending forgets a pending connection already removed from the list.
func (a *admission) dropPending(c *daemonConn) {
	c.state = stateGone
	c.elem = nil
	if a.perSrc[c.src]--; a.perSrc[c.src] <= 0 {
		delete(a.perSrc, c.src)
	}
}

// shut closes a pending connection from the daemon's side (evicted, or
// the daemon stopping); a wait for a turn to compute ends with it.
func (c *daemonConn) shut() {
	c.shutter.Do(func() { close(c.gone) })
	_ = c.Conn.Close() // we are dropping it: nothing of it is kept
}

func (c *daemonConn) wasEvicted() bool {
	c.adm.mu.Lock()
	defer c.adm.mu.Unlock()
	return c.evicted
}

// admitted says whether c got as far as a session.
func (a *admission) admitted(c *daemonConn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.state == stateSession
}

// leave releases whatever c holds when its session or handshake ends.
func (a *admission) leave(c *daemonConn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch c.state {
	case statePending:
		a.pending.Remove(c.elem)
		a.dropPending(c)
	case stateSession:
		a.sessions--
	}
	c.state = stateGone
}

// closeAll closes every pending connection (the daemon is stopping).
func (a *admission) closeAll() {
	a.mu.Lock()
	var cs []*daemonConn
	for e := a.pending.Front(); e != nil; e = e.Next() {
		cs = append(cs, e.Value.(*daemonConn))
	}
	a.mu.Unlock()
	for _, c := range cs {
		c.shut()
	}
}

// computeMessage1 runs fn (the responder's X25519 work on message 1)
// when the shared gate gives this connection its turn, waiting no later
// than until.
func (c *daemonConn) computeMessage1(until time.Time, fn func()) error {
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	if err := c.adm.compute.acquire(c.src, c.gone, t.C); err != nil {
		return err
	}
	defer c.adm.compute.release()
	fn()
	return nil
}

// heard marks the first byte of c's message 1 as come.
func (c *daemonConn) heard() {
	c.adm.mu.Lock()
	defer c.adm.mu.Unlock()
	c.spoke = true
}

// failed counts a failed handshake against c's address.
func (a *admission) failed(c *daemonConn, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures.failed(c.src, now)
}

// admit turns the pending connection into a session once its caller is
// known, if a session slot is free.
func (c *daemonConn) admit() error {
	a := c.adm
	a.mu.Lock()
	defer a.mu.Unlock()
	if c.state != statePending {
		return errEvicted
	}
	if a.sessions >= a.maxSessions {
		return ErrDaemonFull
	}
	a.pending.Remove(c.elem)
	a.dropPending(c)
	a.sessions++
	c.state = stateSession
	return nil
}

// handshakeReason sorts a failed handshake for the refusal counts.
func handshakeReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrUnknownPeer):
		return reasonUnknown
	case errors.Is(err, ErrDaemonFull):
		return reasonFull
	case errors.Is(err, errHandshakeWait), errors.As(err, &ne) && ne.Timeout():
		return reasonTimeout
	}
	return reasonBad
}
