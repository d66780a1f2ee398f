package fsio_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/spool/fsio"
)

// A run interrupted after a file was linked in beside a dangling link
// (the link holds "y.txt", the file went to "y.txt.0") must still find
// the delivery when rerun, or the file would arrive twice.
func TestDeliveredLooksPastLinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("nowhere", filepath.Join(dir, "y.txt")); err != nil {
		t.Fatal(err)
	}
	w, err := fsio.NewKeyedFileWriter(dir, "y.txt", "KEY", 0o22, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	final, err := w.CommitKeeping()
	if err != nil || final != filepath.Join(dir, "y.txt.0") {
		t.Fatalf("committed as %q: %v", final, err)
	}
	if got, ok := fsio.Delivered(dir, "y.txt", "KEY"); !ok || got != final {
		t.Fatalf("Delivered = %q %v, want %q", got, ok, final)
	}
}

// The keyed temporary name is predictable: a link planted there must not
// be written through.
func TestKeyedTmpNameRefusesALink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, ".ferry.KEY.tmp")); err != nil {
		t.Fatal(err)
	}
	if w, err := fsio.NewKeyedFileWriter(dir, "z.txt", "KEY", 0o22, true); err == nil {
		if _, err := w.Write([]byte("overwrite")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.CommitKeeping(); err != nil {
			t.Fatal(err)
		}
		t.Error("opened the keyed temporary name through a link")
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious" {
		t.Errorf("written through the link: %q", got)
	}
	if _, ok := fsio.Delivered(dir, "z.txt", "KEY"); ok {
		t.Error("a link at the temporary name counted as a delivery")
	}
}

// A run that finds an earlier delivery may itself be interrupted before
// the packet is removed: the next run must still find it, so Delivered
// leaves its proof in place.
func TestDeliveredTwiceAfterTwoInterruptions(t *testing.T) {
	dir := t.TempDir()
	w, err := fsio.NewKeyedFileWriter(dir, "m.txt", "KEY", 0o22, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("mail")); err != nil {
		t.Fatal(err)
	}
	final, err := w.CommitKeeping()
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if got, ok := fsio.Delivered(dir, "m.txt", "KEY"); !ok || got != final {
			t.Fatalf("run %d: Delivered = %q %v, want %q", run, got, ok, final)
		}
	}
	if err := os.Remove(fsio.DeliveryProof(dir, "KEY")); err != nil {
		t.Fatalf("the proof is not where DeliveryProof says: %v", err)
	}
	if _, ok := fsio.Delivered(dir, "m.txt", "KEY"); ok {
		t.Error("delivered without a proof")
	}
}
