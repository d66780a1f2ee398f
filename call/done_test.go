package call

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A packet acknowledged during the session is not offered again, even
// by a rescan whose listing of tx was taken before the packet's removal
// (here: the file put back), so it is neither counted as sent twice nor
// left over as an offer never taken.
func TestAcknowledgedPacketIsNotOfferedAgain(t *testing.T) {
	t.Parallel()
	c, store := labnode.Open(t, "alice", t.TempDir())
	bob := c.Neigh["bob"]
	tmp, err := store.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	w, err := packet.NewWriter(tmp, c.Self.Identity(), bob.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("f")}, packet.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	id, err := tmp.Commit(bob.ID, spool.TX)
	if err != nil {
		t.Fatal(err)
	}
	// Where NNCP's layout keeps it (spool/NODE/tx/ID), to put it back.
	path := filepath.Join(c.Spool, bob.ID.String(), "tx", id.String())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(store, c, bob, Options{})
	s.initiator = true
	if n := len(s.newInfos()); n != 1 {
		t.Fatalf("%d offers, want 1", n)
	}
	s.onDone(sp.Msg{Type: sp.TypeDone, Hash: id})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := len(s.newInfos()); n != 0 {
		t.Fatal("offered again after its DONE")
	}
	s.onDone(sp.Msg{Type: sp.TypeDone, Hash: id})
	if s.stats.TxPkts != 1 {
		t.Errorf("counted as sent %d times", s.stats.TxPkts)
	}
	if l := s.left(EndPeerClosed); !l.Empty() {
		t.Errorf("left %+v after its DONE", l)
	}
}

// The idle deadline ends a session only when this side has nothing to
// do: a payload being handled or a commit pending keep it open however
// long the disk takes, a download the peer stopped sending does not;
// silence and the maximum time end it regardless.
func TestSessionOverOnlyWhenNothingUnderWay(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, c := range []struct {
		name  string
		setup func(s *session)
		at    time.Duration
		want  error
	}{
		{"idle", func(s *session) {}, 2 * time.Second, errIdle},
		{"within the deadline", func(s *session) {}, 500 * time.Millisecond, nil},
		{"peer stopped mid-download", func(s *session) { s.rx[packet.ID{1}] = &rxFile{} }, 2 * time.Second, errIdle},
		{"payload being handled", func(s *session) { s.handling = true }, 2 * time.Second, nil},
		{"commit pending", func(s *session) { s.waiting[packet.ID{1}] = true }, 2 * time.Second, nil},
		{"something to send", func(s *session) { s.ctrl = [][]byte{{0}} }, 2 * time.Second, nil},
		{"sent whole, DONE awaited", func(s *session) { awaitDone(s) }, 2 * time.Second, nil},
		{"sent whole, DONE never came", func(s *session) { awaitDone(s) }, 32 * time.Second, errIdle},
		{"DONE came", func(s *session) { awaitDone(s); delete(s.advertised, packet.ID{2}) }, 2 * time.Second, errIdle},
		{"silent peer, commit pending", func(s *session) { s.waiting[packet.ID{1}] = true }, 121 * time.Second, ErrSilence},
		{"maximum time", func(s *session) { s.handling = true; s.opt.MaxOnlineTime = time.Minute }, 61 * time.Second, errIdle},
	} {
		s := newSession(nil, &cfg.Config{}, &cfg.Node{Name: "peer"}, Options{OnlineDeadline: time.Second})
		s.started, s.lastRead, s.lastActive = start, start, start
		c.setup(s)
		if got := s.over(start.Add(c.at)); got != c.want {
			t.Errorf("%s: over = %v, want %v", c.name, got, c.want)
		}
	}
}

// awaitDone makes s a sender whose packet was asked for and sent whole:
// requested, still advertised, nothing left in the queue.
func awaitDone(s *session) {
	s.advertised[packet.ID{2}] = offered{size: 10}
	s.requested[packet.ID{2}] = true
}
