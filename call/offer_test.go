package call

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// stepClock is a session clock that moves only when the test moves it.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time                       { return c.t }
func (c *stepClock) After(time.Duration) <-chan time.Time { return nil }

// infoIDs decodes INFO payloads into the ids they offer, in order.
func infoIDs(t *testing.T, payloads [][]byte) []packet.ID {
	t.Helper()
	var ids []packet.ID
	for _, p := range payloads {
		if len(p) > sp.MaxPayload {
			t.Fatalf("a payload of %d bytes", len(p))
		}
		if err := sp.Decode(p, func(m sp.Msg) error {
			if m.Type != sp.TypeInfo {
				t.Fatalf("a %v in the offers", m.Type)
			}
			ids = append(ids, m.Hash)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// A large tx queue is offered a few payloads at a time as the offers
// drain, most urgent first, each packet once; once all are out, tx is
// listed again only when it changed, and then only what is new is
// offered.
func TestOfferIncrementally(t *testing.T) {
	self, peer := packet.ID{1}, packet.ID{2}
	root := t.TempDir()
	store, err := spool.Open(root, self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, peer.String(), "tx") // NNCP's layout, to put packets there directly
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	perPayload := sp.MaxPayload / infoLen
	n := infoBurst*perPayload + perPayload/2 // one burst and a half payload
	// The packets of one niceness are hard links to one file: the offers
	// come from names and headers, which a link answers as a file does,
	// and tens of thousands of directory entries cost far less to make
	// and to remove than as many inodes with data blocks.
	linkTo := map[uint8]string{}
	put := func(i int, nice uint8) packet.ID {
		var id packet.ID
		binary.BigEndian.PutUint64(id[:], uint64(i)*0x9E3779B97F4A7C15)
		id[31] = 1
		p := filepath.Join(dir, id.String())
		if f, ok := linkTo[nice]; ok {
			if err := os.Link(f, p); err != nil {
				t.Fatal(err)
			}
			return id
		}
		if err := os.WriteFile(p, labnode.FakePacket(nice, self, peer, 10), 0o644); err != nil {
			t.Fatal(err)
		}
		linkTo[nice] = p
		return id
	}
	type want struct {
		id   packet.ID
		nice uint8
	}
	var wants []want
	for i := range n {
		nice := []uint8{200, 1, 96}[i%3]
		wants = append(wants, want{put(i, nice), nice})
	}
	slices.SortFunc(wants, func(a, b want) int {
		if a.nice != b.nice {
			return int(a.nice) - int(b.nice)
		}
		return strings.Compare(a.id.String(), b.id.String())
	})
	clk := &stepClock{t: time.Unix(1e9, 0)}
	s := newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, Options{Clock: clk})

	first := s.newInfos()
	if len(first) != infoBurst {
		t.Fatalf("%d payloads at the start, want %d", len(first), infoBurst)
	}
	s.ctrl = append(s.ctrl, (&sp.Msg{Type: sp.TypePing}).Append(nil), nil) // more than infoLowWater waiting
	s.offerMore()
	if len(s.ctrl) != 2 {
		t.Fatalf("offered more while %d payloads waited", len(s.ctrl)-2)
	}
	s.ctrl = nil // sent
	s.offerMore()
	rest := s.ctrl
	got := infoIDs(t, append(first, rest...))
	if len(got) != len(wants) {
		t.Fatalf("%d offered, want %d", len(got), len(wants))
	}
	for i, id := range got {
		if id != wants[i].id {
			t.Fatalf("offer %d is %s, want %s (nice %d)", i, id, wants[i].id, wants[i].nice)
		}
	}

	// All out, tx unchanged: nothing more, however long the session.
	s.ctrl = nil
	clk.t = clk.t.Add(time.Hour)
	s.offerMore()
	if len(s.ctrl) != 0 {
		t.Fatalf("%d payloads offered again from an unchanged tx", len(s.ctrl))
	}
	// A packet queued meanwhile: offered alone, once a second has passed.
	added := put(n, 50)
	s.offerMore()
	if got := infoIDs(t, s.ctrl); len(got) != 1 || got[0] != added {
		t.Fatalf("after queueing one: offered %d %v", len(got), got)
	}
	s.ctrl = nil
	clk.t = clk.t.Add(2 * time.Second)
	if err := os.Remove(filepath.Join(dir, added.String())); err != nil { // tx changed, nothing new
		t.Fatal(err)
	}
	s.offerMore()
	if len(s.ctrl) != 0 {
		t.Fatalf("offered %d payloads again", len(s.ctrl))
	}
}
