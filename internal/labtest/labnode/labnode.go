// Package labnode is labtest's lab with ferry's packages on it: a node's
// config parsed and its spool open, and packet-shaped files for tests
// of what only reads headers.
package labnode

import (
	"crypto/rand"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Config is node's lab config, parsed, with its paths under dir.
func Config(t testing.TB, node, dir string) *cfg.Config {
	t.Helper()
	c, err := cfg.Parse(labtest.ConfigText(t, node, dir))
	if err != nil {
		t.Fatalf("lab config %s: %v", node, err)
	}
	return c
}

// Open parses node's lab config under dir and opens its spool (without
// fsync: tests do not survive power failures).
func Open(t testing.TB, node, dir string) (*cfg.Config, *spool.Spool) {
	t.Helper()
	c := Config(t, node, dir)
	sp, err := spool.Open(c.Spool, c.Self.ID, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return c, sp
}

// FakePacket is a packet-shaped file from sender to recipient: a valid
// encrypted header, then size random bytes. The spool and the media
// never decrypt, so no keys are needed.
func FakePacket(nice uint8, sender, recipient packet.ID, size int) []byte {
	h := packet.EncHeader{Nice: nice, Sender: sender, Recipient: recipient}
	b := h.Append(nil)
	body := make([]byte, size)
	rand.Read(body)
	return append(b, body...)
}
