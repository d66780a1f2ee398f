package media_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// TestXferTxDropsDeadCopies: the partial copies a killed xfer --tx left
// in our directory on the medium go with the next xfer --tx, which
// writes the packets whole; another sender's directory is not touched.
func TestXferTxDropsDeadCopies(t *testing.T) {
	a := openSpool(t, alice)
	ids := queue(t, a, 2, 1000)
	dir := t.TempDir()
	ours := filepath.Join(dir, bob.String(), alice.String())
	theirs := filepath.Join(dir, bob.String(), packet.ID{9}.String())
	for _, d := range []string{ours, theirs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".ferryxfer.18ed44f9af1ae0a9"), []byte("half a packet"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true})
	if err != nil || st.Packets != 2 {
		t.Fatalf("%+v, %v", st, err)
	}
	ents, _ := os.ReadDir(ours)
	if len(ents) != 2 || (ents[0].Name() != ids[0].String() && ents[0].Name() != ids[1].String()) {
		t.Errorf("our directory on the medium holds %v, want just the two packets", ents)
	}
	if _, err := os.Stat(filepath.Join(theirs, ".ferryxfer.18ed44f9af1ae0a9")); err != nil {
		t.Errorf("another sender's file was touched: %v", err)
	}
}

// TestXferTxFinishesInterruptedRun: an xfer killed after it renamed a
// verified copy into place on the medium, before it removed the packet
// from the queue, is finished by the next xfer --tx: the packet leaves
// the queue instead of staying there to be carried again.
func TestXferTxFinishesInterruptedRun(t *testing.T) {
	a := openSpool(t, alice)
	ids := queue(t, a, 2, 1000)
	dir := t.TempDir()
	ours := filepath.Join(dir, bob.String(), alice.String())
	if err := os.MkdirAll(ours, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := a.Open(bob, spool.TX, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ours, ids[0].String()), b, 0o644); err != nil { // what the killed run left
		t.Fatal(err)
	}
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true})
	if err != nil || st.Packets != 1 || st.Skipped != 1 {
		t.Fatalf("%+v, %v; want one written, one already there", st, err)
	}
	if jobs, _, _ := a.Jobs(bob, spool.TX); len(jobs) != 0 {
		t.Errorf("%d packets left queued, want none", len(jobs))
	}
}
