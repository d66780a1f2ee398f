package media_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// queueSized queues one packet of size bytes for bob at niceness nice.
func queueSized(t *testing.T, sp *spool.Spool, nice uint8, size int) packet.ID {
	t.Helper()
	h := packet.EncHeader{Nice: nice, Sender: alice, Recipient: bob}
	data := h.Append(nil)
	body := make([]byte, size-len(data))
	rand.Read(body)
	id, _, err := sp.CopyIn(bytes.NewReader(append(data, body...)), bob, spool.TX, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// roomFor fails a copy with ENOSPC once it passes n bytes: a medium with
// n bytes free, where a failed copy's partial file is removed.
type roomFor struct {
	w io.Writer
	n int
}

func (r *roomFor) Write(p []byte) (int, error) {
	if len(p) > r.n {
		n, _ := r.w.Write(p[:r.n])
		r.n = 0
		return n, &os.PathError{Op: "write", Path: "medium", Err: syscall.ENOSPC}
	}
	r.n -= len(p)
	return r.w.Write(p)
}

// checkMedium fails on anything in dir that is not a complete packet.
func checkMedium(t *testing.T, dir string) map[string]bool {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	names := map[string]bool{}
	for _, e := range ents {
		if !packet.IsPacketName(e.Name()) {
			t.Errorf("partial copy %s left on the medium", e.Name())
		}
		names[e.Name()] = true
	}
	return names
}

// TestXferTxGoesOnAfterENOSPC: a packet that hits ENOSPC is removed from
// the medium and logged, and the smaller packets after it still go; a
// packet at least as large is not tried again; the run fails.
func TestXferTxGoesOnAfterENOSPC(t *testing.T) {
	a := openSpool(t, alice)
	big := queueSized(t, a, 1, 20000) // most urgent: tried first
	var small []packet.ID
	for range 3 {
		small = append(small, queueSized(t, a, 100, 1000))
	}
	bigger := queueSized(t, a, 50, 30000)
	dir := t.TempDir()
	var logs bytes.Buffer
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true, Log: logTo(&logs),
		Write: func(w io.Writer) io.Writer { return &roomFor{w, 5000} }})
	if !errors.Is(err, media.ErrSomeFailed) || !strings.Contains(err.Error(), "2 packets failed") {
		t.Errorf("err = %v, want 2 packets failed", err)
	}
	if st.Packets != 3 || st.Failed != 2 {
		t.Errorf("stats %+v, want 3 written and 2 failed", st)
	}
	on := checkMedium(t, filepath.Join(dir, bob.String(), alice.String()))
	for _, id := range small {
		if !on[id.String()] || a.Has(bob, spool.TX, id) {
			t.Errorf("small packet %s: on the medium %v, still queued %v", id, on[id.String()], a.Has(bob, spool.TX, id))
		}
	}
	for _, id := range []packet.ID{big, bigger} {
		if on[id.String()] || !a.Has(bob, spool.TX, id) {
			t.Errorf("big packet %s: on the medium %v, still queued %v", id, on[id.String()], a.Has(bob, spool.TX, id))
		}
		if n := strings.Count(logs.String(), id.String()); n != 1 {
			t.Errorf("%d log lines name %s, want 1:\n%s", n, id, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "partial copy was removed") || !strings.Contains(logs.String(), "already did not fit") {
		t.Errorf("log does not say what happened:\n%s", logs.String())
	}
}

// TestXferTxFullTmpfs: the same on a real 4 MiB filesystem: a 6 MiB
// packet does not fit, a 3 MiB one does, a 2 MiB one then no longer
// does, and the 200 KiB ones behind them all still go.
func TestXferTxFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs; TestXferTxGoesOnAfterENOSPC covers the logic")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	a := openSpool(t, alice)
	huge := queueSized(t, a, 1, 6<<20)
	fits := queueSized(t, a, 2, 3<<20)
	big := queueSized(t, a, 3, 2<<20)
	var small []packet.ID
	for range 4 {
		small = append(small, queueSized(t, a, 100, 200<<10))
	}
	var logs bytes.Buffer
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true, Log: logTo(&logs)})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 5 || st.Failed != 2 {
		t.Fatalf("%+v %v\n%s", st, err, logs.String())
	}
	on := checkMedium(t, filepath.Join(dir, bob.String(), alice.String()))
	for _, id := range append(small, fits) {
		if !on[id.String()] {
			t.Errorf("small packet %s not written", id)
		}
	}
	for _, id := range []packet.ID{huge, big} {
		if !a.Has(bob, spool.TX, id) || !strings.Contains(logs.String(), id.String()) {
			t.Errorf("%s: not queued, or not logged:\n%s", id, logs.String())
		}
	}
}
