package media_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// labSelf loads a vector node's keys.
func labSelf(t *testing.T, node string) *cfg.Config {
	t.Helper()
	return labnode.Config(t, node, t.TempDir())
}

// realPacket is a real packet from alice to bob and its id.
func realPacket(t *testing.T, n int) ([]byte, packet.ID) {
	t.Helper()
	a := labSelf(t, "alice")
	var out bytes.Buffer
	w, err := packet.NewWriter(&out, a.Self.Identity(), a.Neigh["bob"].Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("x")}, packet.WriteOptions{Nice: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte("x"), n)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	id, _, _ := packet.MTHOf(bytes.NewReader(out.Bytes()))
	return out.Bytes(), id
}

const junkTail = 20 << 20 // stands for the 10 GiB of the report

// TestXferRxBoundsOversizedPacket: a packet file with megabytes after the
// packet is copied only as far as the packet's own end: the packet is
// taken, the rest refused with a line, and the file stays on the medium.
func TestXferRxBoundsOversizedPacket(t *testing.T) {
	pkt, id := realPacket(t, 300000)
	sp := openSpool(t, bob)
	dir := t.TempDir()
	from := filepath.Join(dir, bob.String(), alice.String())
	if err := os.MkdirAll(from, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(from, id.String())
	if err := os.WriteFile(src, append(bytes.Clone(pkt), make([]byte, junkTail)...), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st, err := media.XferRx(sp, dir, media.Options{Log: logTo(&logs), Me: labSelf(t, "bob").Self.Identity()})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 1 || st.Refused != 1 || st.Bytes != int64(len(pkt)) {
		t.Fatalf("%+v %v\n%s", st, err, logs.String())
	}
	if ok, _ := sp.Verify(alice, spool.RX, id); !ok {
		t.Error("the packet was not stored intact")
	}
	if !strings.Contains(logs.String(), "20971520 bytes after the end of the packet") {
		t.Errorf("no line for the tail:\n%s", logs.String())
	}
	if _, err := os.Stat(src); err != nil {
		t.Error("the file with junk after its packet was removed from the medium")
	}
}

// TestBundleRxBoundsOversizedPacket: the same for a tar entry that
// declares far more than its packet.
func TestBundleRxBoundsOversizedPacket(t *testing.T) {
	pkt, id := realPacket(t, 300000)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	name := "NNCP/" + bob.String() + "/" + alice.String() + "/" + id.String()
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o400, Size: int64(len(pkt) + junkTail), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(pkt); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(make([]byte, junkTail)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	sp := openSpool(t, bob)
	var logs bytes.Buffer
	st, err := media.BundleRx(bytes.NewReader(buf.Bytes()), sp, media.RxOptions{Options: media.Options{Log: logTo(&logs), Me: labSelf(t, "bob").Self.Identity()}})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 1 || st.Refused != 1 || st.Bytes != int64(len(pkt)) {
		t.Fatalf("%+v %v\n%s", st, err, logs.String())
	}
	if ok, _ := sp.Verify(alice, spool.RX, id); !ok {
		t.Error("the packet was not stored intact")
	}
	if !strings.Contains(logs.String(), "20971520 bytes after the end of the packet") {
		t.Errorf("no line for the tail:\n%s", logs.String())
	}
}
