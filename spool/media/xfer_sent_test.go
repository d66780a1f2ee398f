package media_test

import (
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// trackTxID is the id of the last write transaction of the spool's
// tracking database (bbolt counts them).
func trackTxID(t *testing.T, spoolDir string) int {
	t.Helper()
	db, err := bolt.Open(filepath.Join(spoolDir, "ferry-track.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }() // read only
	var id int
	if err := db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestXferTxMarksSentInBatches: xfer of many small tracked packets marks
// every one sent and removes it from the queue, with one transaction of
// the tracking database for the lot, not one (and its syncs) per packet.
func TestXferTxMarksSentInBatches(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(dir, alice, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var ids []packet.ID
	for range n {
		id := queueSized(t, sp, packet.NiceMax, 3000)
		if err := sp.Track(spool.TrackRecord{ID: id, Node: bob, Route: []packet.ID{bob}, Kind: "file"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	before := trackTxID(t, dir)
	medium := t.TempDir()
	st, err := media.XferTx(sp, medium, []packet.ID{bob}, media.Options{Mkdir: true})
	if err != nil || st.Packets != n {
		t.Fatalf("%+v %v", st, err)
	}
	if got := trackTxID(t, dir) - before; got != 1 {
		t.Errorf("%d transactions of the tracking database for %d packets, want 1", got, n)
	}
	recs, err := sp.Tracked(ids)
	if err != nil || len(recs) != n {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.State != spool.TrackSent || r.Hop != "xfer" {
			t.Errorf("%s: %s by %q, want sent by xfer", r.ID, r.State, r.Hop)
		}
	}
	for _, id := range ids {
		if sp.Has(bob, spool.TX, id) {
			t.Errorf("%s still queued", id)
		}
		if _, err := os.Stat(filepath.Join(medium, bob.String(), alice.String(), id.String())); err != nil {
			t.Errorf("%s not on the medium: %v", id, err)
		}
	}
}
