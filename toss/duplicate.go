package toss

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// dropDuplicate removes a packet of rx whose seen marker says it was
// processed. A toss killed between making the marker and removing the
// packet left what it was keeping until that removal: the file's
// delivery proof beside the delivered file, the exec's claim. The seen
// marker proves the delivery now, so they go too (a true duplicate,
// arriving later, has none left to drop). Only the header is decrypted,
// to learn where they are.
func (t *Tosser) dropDuplicate(node packet.ID, id packet.ID) {
	t.dropLeftovers(node, id)
	if err := t.sp.Remove(node, spool.RX, id); err != nil {
		t.fail(node, id, fmt.Errorf("remove duplicate: %w", err))
		return
	}
	t.log.Info("duplicate of a processed packet removed", "who", "rx", "node", t.c.NodeName(node), "pkt", id.String())
}

func (t *Tosser) dropLeftovers(node, id packet.ID) {
	f, err := t.sp.OpenStream(node, spool.RX, id)
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }() // read only
	r, err := packet.NewReader(f, t.me, t.c.Lookup, packet.ReadOptions{})
	if err != nil {
		return // not ours to read: nothing of ours was left for it
	}
	ph := r.Plain()
	switch {
	case ph.Type == packet.TypeFile:
		sender := t.c.ByID[r.Header().Sender]
		if sender == nil || sender.Incoming == "" {
			return
		}
		dst, err := confineNew(sender.Incoming, string(ph.Path))
		if err != nil {
			return
		}
		proof := fsio.DeliveryProof(filepath.Dir(dst), id.String())
		switch err := os.Remove(proof); {
		case err == nil:
			t.log.Info("delivery proof of an interrupted toss removed", "who", "rx-file", "node", t.c.NodeName(node), "pkt", id.String())
		case !os.IsNotExist(err):
			t.log.Warn("delivery proof of an interrupted toss not removed", "who", "rx-file", "node", t.c.NodeName(node), "pkt", id.String(), "err", err)
		}
	case isExec(ph.Type):
		// The claim lives under the packet's origin (dedupe.go).
		if err := t.sp.ExecMarker(r.Header().Sender, id).Remove(); err != nil && !os.IsNotExist(err) {
			t.log.Warn("exec claim of an interrupted toss not removed", "who", "rx-exec", "node", t.c.NodeName(node), "pkt", id.String(), "err", err)
		}
	}
}
