package labnode_test

import (
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
)

// TestOpen: each node's config parses with its own id, and its spool
// opens under the lab directory.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	for _, n := range labtest.Nodes {
		c, sp := labnode.Open(t, n, dir)
		if c.Self == nil || c.Self.ID.String() != labtest.IDs[n] {
			t.Errorf("%s: self %v", n, c.Self)
		}
		if sp == nil {
			t.Errorf("%s: no spool", n)
		}
	}
}

// TestFakePacket: the header parses back as written, the body follows.
func TestFakePacket(t *testing.T) {
	from, to := packet.ID{1}, packet.ID{2}
	b := labnode.FakePacket(7, from, to, 100)
	h, err := packet.ParseEncHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Nice != 7 || h.Sender != from || h.Recipient != to || len(b) != packet.EncHeaderSize+100 {
		t.Errorf("header %+v, %d bytes", h, len(b))
	}
}
