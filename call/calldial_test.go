package call_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/spool"
)

// A daemon flooded with silent connections closes the oldest silent one
// for each new one, so a caller must not connect before it can speak:
// CallDial dials only once the node's locks are held and the queue has
// been listed into message 1, and the session then runs as Call's.
func TestCallDialConnectsWhenReady(t *testing.T) {
	_, alice, bob := lab(t)
	for range 3 {
		queue(t, alice, bob, 1000, 128)
	}
	bobID := bob.c.Self.ID
	conn, served := serveOnce(t, bob, nil)
	lockedAtDial := false
	st, err := call.CallDial(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], func(context.Context) (io.ReadWriteCloser, error) {
		unlock, err := alice.sp.Lock(bobID, spool.LockTx)
		if err == nil {
			unlock()
		}
		lockedAtDial = err != nil
		return conn, nil
	}, quick())
	if err != nil {
		t.Fatal(err)
	}
	if serr := <-served; serr != nil {
		t.Fatal(serr)
	}
	if !lockedAtDial {
		t.Error("CallDial dialed before taking the node's tx lock (and so before listing its queue)")
	}
	if st.TxPkts != 3 {
		t.Errorf("sent %d packets, want 3", st.TxPkts)
	}
	if _, err := conn.Write([]byte{0}); err == nil {
		t.Error("CallDial left the connection open after the session")
	}
}

// A dial that fails is CallDial's error as it is (the command line tries
// the next address on it), and leaves the node's locks free.
func TestCallDialReturnsDialError(t *testing.T) {
	_, alice, bob := lab(t)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	_, err := call.CallDial(context.Background(), alice.sp, alice.c, alice.c.Neigh["bob"], func(context.Context) (io.ReadWriteCloser, error) {
		return nil, refused
	}, quick())
	if !errors.Is(err, refused) {
		t.Fatalf("CallDial: %v, want the dial's error", err)
	}
	unlock, err := alice.sp.Lock(bob.c.Self.ID, spool.LockTx)
	if err != nil {
		t.Fatalf("the tx lock is still held after a failed dial: %v", err)
	}
	unlock()
}
