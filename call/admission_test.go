package call

import (
	"errors"
	"net"
	"testing"
	"time"
)

// addrConn is a connection that is only an address (admission looks at
// nothing else); closing it is a no-op.
type addrConn struct {
	net.Conn
	addr net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.addr }
func (c addrConn) Close() error         { return nil }

func from(a *admission, ip string) *daemonConn {
	return a.newConn(addrConn{addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}})
}

// Pending connections are limited per address (an IPv6 /64 counting as
// one), the oldest makes room for a new one when the pool is full, and a
// known caller gets a session only while a session slot is free.
func TestAdmission(t *testing.T) {
	t.Parallel()
	a := newAdmission(1, 3, 2, 1)
	enter := func(c *daemonConn, wantReason string, wantEvicted *daemonConn) {
		t.Helper()
		ev, reason := a.enter(c, time.Now())
		if reason != wantReason || ev != wantEvicted {
			t.Fatalf("enter %s: reason %q, evicted %v; want %q, %v", c.src, reason, ev, wantReason, wantEvicted)
		}
	}
	c1, c2, c3 := from(a, "10.0.0.1"), from(a, "10.0.0.1"), from(a, "10.0.0.1")
	enter(c1, "", nil)
	enter(c2, "", nil)
	enter(c3, reasonPerAddr, nil)
	c4 := from(a, "10.0.0.2")
	enter(c4, "", nil)
	c5 := from(a, "::ffff:10.0.0.3") // an IPv4-mapped address counts as the IPv4 one
	enter(c5, "", c1)                // pool full: the oldest goes
	if c5.src != "10.0.0.3" {
		t.Errorf("source of a mapped address: %q", c5.src)
	}
	c1.shut()
	if !c1.wasEvicted() || !errors.Is(c1.admit(), errEvicted) {
		t.Error("an evicted connection can still be admitted")
	}
	if err := c2.admit(); err != nil {
		t.Fatalf("admit with a free slot: %v", err)
	}
	if err := c4.admit(); !errors.Is(err, ErrDaemonFull) {
		t.Fatalf("admit with no slot: %v", err)
	}
	if !a.admitted(c2) || a.admitted(c4) {
		t.Error("admitted() disagrees with admit()")
	}
	a.leave(c2)
	if err := c4.admit(); err != nil {
		t.Fatalf("admit after a session ended: %v", err)
	}
	for _, c := range []*daemonConn{c1, c3, c4, c5} {
		a.leave(c)
	}
	if a.pending.Len() != 0 || len(a.perSrc) != 0 || a.sessions != 0 {
		t.Errorf("after every connection left: %d pending, %v per source, %d sessions", a.pending.Len(), a.perSrc, a.sessions)
	}

	v6 := newAdmission(1, 10, 2, 1)
	for i, tc := range []struct {
		ip, reason string
	}{
		{"2001:db8:1:2::1", ""},
		{"2001:db8:1:2:ffff::9", ""},
		{"2001:db8:1:2::77", reasonPerAddr}, // same /64
		{"2001:db8:1:3::1", ""},             // the next /64
	} {
		if _, reason := v6.enter(from(v6, tc.ip), time.Now()); reason != tc.reason {
			t.Errorf("%d %s: reason %q, want %q", i, tc.ip, reason, tc.reason)
		}
	}
}

// A full pool sheds its oldest silent connection, not one that has begun
// its handshake; and an address whose handshakes keep failing is refused
// until its record drains.
func TestAdmissionEvictsSilentAndBlocksFailing(t *testing.T) {
	t.Parallel()
	a := newAdmission(1, 2, 8, 1)
	caller, silent := from(a, "10.0.0.1"), from(a, "10.0.0.2")
	a.enter(caller, time.Now())
	caller.heard()
	a.enter(silent, time.Now())
	if ev, _ := a.enter(from(a, "10.0.0.3"), time.Now()); ev != silent {
		t.Fatalf("evicted %v, want the silent connection", ev)
	}
	if ev, _ := a.enter(from(a, "10.0.0.4"), time.Now()); ev == caller {
		t.Fatal("a caller in its handshake evicted while a silent connection was pending")
	}

	b := newAdmission(1, 100, 100, 1)
	t0 := time.Unix(1e9, 0)
	bad := from(b, "10.0.0.9")
	for range failBurst {
		if _, reason := b.enter(from(b, "10.0.0.9"), t0); reason != "" {
			t.Fatalf("refused (%s) before its failures added up", reason)
		}
		b.failed(bad, t0)
	}
	if _, reason := b.enter(from(b, "10.0.0.9"), t0); reason != reasonFailing {
		t.Fatalf("after %d failures: reason %q, want %q", failBurst, reason, reasonFailing)
	}
	if _, reason := b.enter(from(b, "10.0.0.10"), t0); reason != "" {
		t.Fatalf("another address refused: %q", reason)
	}
	if _, reason := b.enter(from(b, "10.0.0.9"), t0.Add(2*time.Second/failRate)); reason != "" {
		t.Fatalf("still refused once drained: %q", reason)
	}
}

// A daemon that stops closes its pending connections, and one waiting
// for its turn to compute gives up at once rather than at its deadline.
func TestAdmissionCloseAllEndsWaits(t *testing.T) {
	t.Parallel()
	a := newAdmission(1, 10, 10, 1)
	c := from(a, "10.0.0.1")
	a.enter(c, time.Now())
	if err := a.compute.acquire("busy", nil, nil); err != nil { // every turn taken
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		res <- c.computeMessage1(time.Now().Add(time.Hour), func() { t.Error("computed without a turn") })
	}()
	waitFor(t, "the wait", func() bool { return a.compute.waiting("10.0.0.1") == 1 })
	a.closeAll()
	select {
	case err := <-res:
		if !errors.Is(err, errEvicted) {
			t.Fatalf("wait ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closeAll left a wait for a turn running")
	}
}
