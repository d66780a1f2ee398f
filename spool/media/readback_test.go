package media_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// TestXferTxCatchesDamagedCopy: a copy damaged on the medium after it was
// written and before it is read back (one byte flipped by the AfterWrite
// hook) is not taken for the packet: it is removed from the medium, the
// packet stays queued, the run fails and the log says why. Sizes: all in
// the tail the cache writes, and several whole O_DIRECT chunks. On a
// tmpfs too, where O_DIRECT is only the cache and the copy is read back
// whole after the fsync instead.
func TestXferTxCatchesDamagedCopy(t *testing.T) {
	dirs := []string{t.TempDir()}
	if tmpfs := smallTmpfs(t); tmpfs != "" {
		dirs = append(dirs, tmpfs)
	}
	for i := range 2 * len(dirs) {
		size, dir := []int{3000, 5<<20 + 333}[i%2], dirs[i/2]
		a := openSpool(t, alice)
		id := queueSized(t, a, 100, size)
		var logs bytes.Buffer
		var once sync.Once
		flipAt := int64(size / 2)
		damage := func(path string, off, n int64) {
			if n >= 0 && (flipAt < off || flipAt >= off+n) {
				return
			}
			once.Do(func() { flipByte(t, path, flipAt) })
		}
		st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true, Log: logTo(&logs), AfterWrite: damage})
		if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 0 || st.Failed != 1 {
			t.Errorf("%s, size %d: %+v %v, want one failed packet", dir, size, st, err)
		}
		if !a.Has(bob, spool.TX, id) {
			t.Errorf("size %d: the packet left the queue", size)
		}
		ents, _ := os.ReadDir(filepath.Join(dir, bob.String(), alice.String()))
		for _, e := range ents {
			t.Errorf("size %d: %s left on the medium", size, e.Name())
		}
		if !strings.Contains(logs.String(), "read-back") || !strings.Contains(logs.String(), id.String()) {
			t.Errorf("size %d: the log does not say the read-back failed:\n%s", size, logs.String())
		}
	}
}

// smallTmpfs mounts a 16 MiB tmpfs for the test, or says why not and
// returns "".
func smallTmpfs(t *testing.T) string {
	if os.Geteuid() != 0 {
		t.Log("not root: no tmpfs to test the whole-copy read-back on")
		return ""
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("cannot mount a tmpfs: %v %s", err, out)
		return ""
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// flipByte changes one byte of the file at path, durably, as a medium
// that lies would.
func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Error(err)
		return
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Error(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, at); err != nil {
		t.Error(err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		t.Error(err)
	}
}

// TestXferTxAllocatesCopyFirst: the copy on the medium has the packet's
// whole length before its first chunk is written, so that no direct
// write extends the file: on ext4 such a write holds the inode's lock
// for its whole duration and the read-back of the chunk before waited
// for it (fsio.VerifiedWriter's allocate). And the copy ends at the
// packet's length, not a byte more.
func TestXferTxAllocatesCopyFirst(t *testing.T) {
	dir := t.TempDir()
	a := openSpool(t, alice)
	size := 9<<20 + 333
	id := queueSized(t, a, 100, size)
	want := int64(size)
	var first []int64 // the copy's length when its first chunk reached the medium
	hook := func(path string, off, n int64) {
		if fi, err := os.Stat(path); err == nil && n > 0 && off == 0 {
			first = append(first, fi.Size())
		}
	}
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true, Keep: true, Log: logTo(new(bytes.Buffer)), AfterWrite: hook})
	if err != nil || st.Packets != 1 {
		t.Fatalf("%+v %v, want one packet written", st, err)
	}
	if len(first) == 0 {
		t.Skipf("%s: no direct chunk written (no O_DIRECT here)", dir)
	}
	if first[0] != want {
		t.Errorf("the copy was %d bytes long when its first chunk was written, want the packet's %d allocated up front", first[0], want)
	}
	fi, err := os.Stat(filepath.Join(dir, bob.String(), alice.String(), id.String()))
	if err != nil || fi.Size() != want {
		t.Errorf("the copy on the medium: %v %v, want %d bytes", fi, err, want)
	}
}

// TestXferTxProgress: the progress of a copy large enough for its chunks
// to be taken whole from the spool's stream (fsio.VerifiedWriter's
// ReadFrom, which sees no wrapped reader) still counts every byte, in
// steps, and ends final.
func TestXferTxProgress(t *testing.T) {
	dir := t.TempDir()
	a := openSpool(t, alice)
	size := 3*packet.ProgressStep + 9<<20 + 333
	id := queueSized(t, a, 100, size)
	var reports []packet.ProgressReport
	progress := func(r packet.ProgressReport) { reports = append(reports, r) }
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true, Keep: true, Log: logTo(new(bytes.Buffer)), Progress: progress})
	if err != nil || st.Packets != 1 {
		t.Fatalf("%+v %v, want one packet written", st, err)
	}
	fi, err := os.Stat(filepath.Join(dir, bob.String(), alice.String(), id.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) < 3 {
		t.Fatalf("%d progress reports for %d bytes, want one per %d bytes and the last", len(reports), fi.Size(), packet.ProgressStep)
	}
	last := reports[len(reports)-1]
	if !last.Final || last.Done != fi.Size() {
		t.Errorf("last report %+v, want final with the copy's %d bytes done", last, fi.Size())
	}
}
