package media_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

var (
	alice, _ = packet.ParseID("ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ")
	bob, _   = packet.ParseID("KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A")
	vecPkts  = []string{"6AKECG5IWE64CSAEU77BHG5FJ6DE3BVXENYRHJPOKY7OEO4JEM2Q", "VUQSIPNUXSNNH5MIW6SFFMQ3UJXPUGOFNVK3PXUOQKKLNXW4H2VA"}
)

func openSpool(t *testing.T, self packet.ID) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-r", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
}

func rxNames(t *testing.T, sp *spool.Spool, from packet.ID) []string {
	jobs, _, _ := sp.Jobs(from, spool.RX)
	var names []string
	for _, j := range jobs {
		names = append(names, j.ID.String())
	}
	return names
}

func has(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

func TestXferRxVectorTree(t *testing.T) {
	sp := openSpool(t, bob)
	dir := t.TempDir()
	copyTree(t, "testdata/xfer", dir)
	st, err := media.XferRx(sp, dir, media.Options{})
	if err != nil || st.Packets != 2 {
		t.Fatalf("%+v %v", st, err)
	}
	got := rxNames(t, sp, alice)
	for _, p := range vecPkts {
		if !has(got, p) {
			t.Errorf("%s not received", p)
		}
		if _, err := os.Stat(filepath.Join(dir, bob.String(), alice.String(), p)); err == nil {
			t.Errorf("%s left on the medium", p)
		}
	}
	// Again: nothing new, and the (emptied) medium is fine.
	if st, _ := media.XferRx(sp, dir, media.Options{}); st.Packets != 0 {
		t.Errorf("second run took %d", st.Packets)
	}
}

func TestXferRxRejectsDamage(t *testing.T) {
	sp := openSpool(t, bob)
	dir := t.TempDir()
	copyTree(t, "testdata/xfer", dir)
	bad := filepath.Join(dir, bob.String(), alice.String(), vecPkts[0])
	b, _ := os.ReadFile(bad)
	b[len(b)-1] ^= 1
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := media.XferRx(sp, dir, media.Options{})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 1 || st.Failed != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Error("the damaged packet was removed from the medium")
	}
	if has(rxNames(t, sp, alice), vecPkts[0]) {
		t.Error("damaged packet entered the spool")
	}
}

func TestBundleVector(t *testing.T) {
	sp := openSpool(t, bob)
	f, _ := os.Open("testdata/bundle/alice-to-bob.tar")
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	st, err := media.BundleRx(f, sp, media.RxOptions{})
	if err != nil || st.Packets != 2 {
		t.Fatalf("%+v %v", st, err)
	}
}

// fakePacket is a packet-shaped file from alice to bob.
func fakePacket(size int) []byte { return labnode.FakePacket(100, alice, bob, size) }

func queue(t *testing.T, sp *spool.Spool, n, size int) []packet.ID {
	var ids []packet.ID
	for i := 0; i < n; i++ {
		id, _, err := sp.CopyIn(bytes.NewReader(fakePacket(size)), bob, spool.TX, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestBundleRoundTripIsValidTar(t *testing.T) {
	a := openSpool(t, alice)
	ids := queue(t, a, 3, 5000)
	var buf bytes.Buffer
	st, err := media.BundleTx(&buf, a, []packet.ID{bob}, media.Options{})
	if err != nil || st.Packets != 3 {
		t.Fatalf("%+v %v", st, err)
	}
	if jobs, _, _ := a.Jobs(bob, spool.TX); len(jobs) != 0 {
		t.Error("sent packets still queued")
	}
	if tarBin, err := exec.LookPath("tar"); err == nil {
		cmd := exec.Command(tarBin, "-t")
		cmd.Stdin = bytes.NewReader(buf.Bytes())
		out, err := cmd.CombinedOutput()
		if err != nil || bytes.Count(out, []byte("\n")) != 6 {
			t.Errorf("tar -t: %v\n%s", err, out)
		}
	}
	b := openSpool(t, bob)
	// Garbage before, no end blocks: the packets are still read, and the
	// garbage is reported.
	stream := append([]byte("some garbage NNC before"), buf.Bytes()[:buf.Len()-1024]...)
	st, err = media.BundleRx(bytes.NewReader(stream), b, media.RxOptions{})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 3 || st.Refused != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	for _, id := range ids {
		if !b.Has(alice, spool.RX, id) {
			t.Errorf("%s missing", id)
		}
	}
}

func TestBundleTruncatedAndCorrupt(t *testing.T) {
	a := openSpool(t, alice)
	queue(t, a, 4, 3000)
	var buf bytes.Buffer
	if _, err := media.BundleTx(&buf, a, []packet.ID{bob}, media.Options{Keep: true}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// Corrupt the second packet's body: entries are 512 (dir) + 512
	// (header) + 3172 padded to 3584 bytes each.
	entry := 512 + 512 + 3584
	corrupt := bytes.Clone(data)
	corrupt[entry+1024+500] ^= 1
	b := openSpool(t, bob)
	st, err := media.BundleRx(bytes.NewReader(corrupt), b, media.RxOptions{})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 3 || st.Failed != 1 {
		t.Fatalf("corrupt: %+v %v", st, err)
	}
	// Cut in the middle of the third packet.
	c := openSpool(t, bob)
	st, err = media.BundleRx(bytes.NewReader(data[:2*entry+1024+1000]), c, media.RxOptions{})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 2 || st.Failed != 1 {
		t.Fatalf("truncated: %+v %v", st, err)
	}
	if n, err := c.Clean(nil, spool.TmpFiles, spool.CleanOptions{DryRun: true}); n != 0 || err != nil {
		t.Errorf("%d temporary files left behind (%v)", n, err)
	}
}

// fullAfter fails writes with ENOSPC once n bytes went through.
type fullAfter struct {
	w io.Writer
	n *int
}

func (f fullAfter) Write(p []byte) (int, error) {
	if *f.n <= 0 {
		return 0, &os.PathError{Op: "write", Path: "medium", Err: syscall.ENOSPC}
	}
	k := min(len(p), *f.n)
	*f.n -= k
	n, err := f.w.Write(p[:k])
	if err == nil && k < len(p) {
		return n, &os.PathError{Op: "write", Path: "medium", Err: syscall.ENOSPC}
	}
	return n, err
}

func TestXferTxMediumFull(t *testing.T) {
	a := openSpool(t, alice)
	ids := queue(t, a, 6, 10000)
	dir := t.TempDir()
	budget := 25000 // room for two packets and part of a third
	st, err := media.XferTx(a, dir, []packet.ID{bob}, media.Options{Mkdir: true,
		Write: func(w io.Writer) io.Writer { return fullAfter{w, &budget} }})
	if err == nil || st.Packets != 2 {
		t.Fatalf("%+v %v", st, err)
	}
	out := filepath.Join(dir, bob.String(), alice.String())
	ents, _ := os.ReadDir(out)
	onMedium := map[string]bool{}
	for _, e := range ents {
		if len(e.Name()) != 52 {
			t.Errorf("leftover %s on the medium", e.Name())
		}
		onMedium[e.Name()] = true
	}
	for _, id := range ids {
		inSpool := a.Has(bob, spool.TX, id)
		if inSpool == onMedium[id.String()] {
			t.Errorf("%s: in spool %v, on medium %v", id, inSpool, onMedium[id.String()])
		}
	}
	// With room again, the rest goes out.
	st, err = media.XferTx(a, dir, []packet.ID{bob}, media.Options{})
	if err != nil || st.Packets != 4 {
		t.Fatalf("second trip: %+v %v", st, err)
	}
}

func TestXferTxKeepDoesNotDuplicate(t *testing.T) {
	a := openSpool(t, alice)
	queue(t, a, 2, 1000)
	dir := t.TempDir()
	opt := media.Options{Mkdir: true, Keep: true}
	if st, _ := media.XferTx(a, dir, []packet.ID{bob}, opt); st.Packets != 2 {
		t.Fatalf("%+v", st)
	}
	if st, _ := media.XferTx(a, dir, []packet.ID{bob}, opt); st.Packets != 0 || st.Skipped != 2 {
		t.Fatalf("second run on the same medium: %+v", st)
	}
	if jobs, _, _ := a.Jobs(bob, spool.TX); len(jobs) != 2 {
		t.Fatal("--keep removed packets")
	}
}

func FuzzBundleRx(f *testing.F) {
	data, _ := os.ReadFile("testdata/bundle/alice-to-bob.tar")
	f.Add(data)
	f.Add(data[:1500])
	f.Fuzz(func(t *testing.T, b []byte) {
		sp, err := spool.Open(t.TempDir(), bob, spool.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		// Junk is refused with an error; what is checked is what the
		// spool took.
		_, _ = media.BundleRx(bytes.NewReader(b), sp, media.RxOptions{})
		jobs, _, _ := sp.Jobs(alice, spool.RX)
		for _, j := range jobs {
			if ok, _ := sp.Verify(alice, spool.RX, j.ID); !ok {
				t.Fatalf("stored %s whose content does not match", j.ID)
			}
		}
	})
}
