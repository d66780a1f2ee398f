package media_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// logTo returns a logger writing text lines into b.
func logTo(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// goodEntry adds a packet from alice to bob in NNCP's layout and returns
// its id.
func goodEntry(t *testing.T, tw *tar.Writer, size int) packet.ID {
	t.Helper()
	data := fakePacket(size)
	id, _, _ := packet.MTHOf(bytes.NewReader(data))
	name := "NNCP/" + bob.String() + "/" + alice.String() + "/" + id.String()
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o400, Size: int64(len(data)), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBundleRxRefusesJunkEntries: each kind of hostile entry, between two
// good packets, is refused with one log line naming it and why; the good
// packets are taken and the run reports failure. NNCP's own directory
// entries pass without a word.
func TestBundleRxRefusesJunkEntries(t *testing.T) {
	pkt := "NNCP/" + bob.String() + "/" + alice.String() + "/" + vecPkts[0]
	reg := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatUSTAR}
	}
	gnu := func(name string, size int64) *tar.Header { // sizes past 8 GiB need GNU base-256
		return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatGNU}
	}
	cases := []struct {
		name string
		hdr  *tar.Header
		data string
		cut  bool // the stream ends inside this entry
		log  string
		path string
	}{
		{"dotdot", reg("../evil", 4), "evil", false, "path with .. components", "../evil"},
		{"dotdot inside", reg("NNCP/../../evil", 4), "evil", false, "path with .. components", "NNCP/../../evil"},
		{"absolute", reg("/tmp/evil", 4), "evil", false, "absolute path", "/tmp/evil"},
		{"foreign name", reg("notes.txt", 4), "evil", false, "not in the NNCP/<recipient>/<sender>/<packet> layout", "notes.txt"},
		{"bad packet name", reg("NNCP/"+bob.String()+"/"+alice.String()+"/x", 4), "evil", false, "layout", "/x"},
		{"symlink", &tar.Header{Name: pkt, Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd", Format: tar.FormatUSTAR}, "", false, "symbolic link to /etc/passwd", pkt},
		{"hardlink", &tar.Header{Name: pkt, Typeflag: tar.TypeLink, Linkname: "/etc/shadow", Format: tar.FormatUSTAR}, "", false, "hard link to /etc/shadow", pkt},
		{"fifo", &tar.Header{Name: pkt, Typeflag: tar.TypeFifo, Format: tar.FormatUSTAR}, "", false, "FIFO", pkt},
		{"device", &tar.Header{Name: pkt, Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, Format: tar.FormatUSTAR}, "", false, "character device", pkt},
		{"pax path", &tar.Header{Name: "../" + strings.Repeat("e", 150), Typeflag: tar.TypeReg, Size: 4, Format: tar.FormatPAX}, "evil", false, "path with .. components", "../eee"},
		{"stray dir", &tar.Header{Name: "etc/cron.d/", Typeflag: tar.TypeDir, Format: tar.FormatUSTAR}, "", false, "directory entry outside", "etc/cron.d"},
		{"dir in NNCP", &tar.Header{Name: "NNCP/" + bob.String() + "/x/", Typeflag: tar.TypeDir, Format: tar.FormatUSTAR}, "", false, "directory entry outside", "NNCP/" + bob.String() + "/x"},
		{"10 GiB, cut, junk name", gnu("big.bin", 10<<30), "only this", true, "stream ends 9 bytes into an entry that declares 10737418240", "big.bin"},
		{"10 GiB, cut, for another node", gnu("NNCP/"+alice.String()+"/"+bob.String()+"/"+vecPkts[1], 10<<30), "only this", true, "stream ends 9 bytes into an entry that declares 10737418240", vecPkts[1]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			for _, d := range []string{"NNCP", "NNCP/" + bob.String() + "/", "NNCP/" + bob.String() + "/" + alice.String() + "/"} {
				if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o700, Format: tar.FormatUSTAR}); err != nil {
					t.Fatal(err)
				}
			}
			ids := []packet.ID{goodEntry(t, tw, 3000)}
			if !c.cut {
				ids = append(ids, goodEntry(t, tw, 2000))
			}
			if err := tw.WriteHeader(c.hdr); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(c.data)); err != nil {
				t.Fatal(err)
			}
			if !c.cut {
				ids = append(ids, goodEntry(t, tw, 1000))
				if err := tw.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				// Ends the stream inside the entry: the tar writer says
				// so, which is the point.
				_ = tw.Flush()
			}
			sp := openSpool(t, bob)
			var logs bytes.Buffer
			st, err := media.BundleRx(bytes.NewReader(buf.Bytes()), sp, media.RxOptions{Options: media.Options{Log: logTo(&logs)}})
			if !errors.Is(err, media.ErrSomeFailed) || !strings.Contains(err.Error(), "1 entry refused") {
				t.Errorf("err = %v, want 1 entry refused", err)
			}
			if st.Packets != len(ids) || st.Refused != 1 || st.Failed != 0 || st.Skipped != 0 {
				t.Errorf("stats %+v, want %d packets and 1 refused", st, len(ids))
			}
			for _, id := range ids {
				if !sp.Has(alice, spool.RX, id) {
					t.Errorf("good packet %s not taken", id)
				}
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			var refusals []string
			for _, l := range lines {
				if strings.Contains(l, "level=ERROR") {
					refusals = append(refusals, l)
				}
			}
			if len(refusals) != 1 || !strings.Contains(refusals[0], c.log) || !strings.Contains(refusals[0], c.path) {
				t.Errorf("want one error line naming %q with %q:\n%s", c.path, c.log, logs.String())
			}
		})
	}
}

// TestBundleRxReadsPaxAndGNU: packets in entries written by tar tools in
// pax format (with extended headers) or GNU format (long names) are
// taken without a word of complaint.
func TestBundleRxReadsPaxAndGNU(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var ids []packet.ID
	for _, f := range []tar.Format{tar.FormatPAX, tar.FormatGNU} {
		data := fakePacket(1000 + len(ids))
		id, _, _ := packet.MTHOf(bytes.NewReader(data))
		h := &tar.Header{Name: "NNCP/" + bob.String() + "/" + alice.String() + "/" + id.String(), Typeflag: tar.TypeReg,
			Mode: 0o400, Size: int64(len(data)), Format: f}
		if f == tar.FormatPAX {
			h.PAXRecords = map[string]string{"comment": "written by a pax tool"}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	sp := openSpool(t, bob)
	st, err := media.BundleRx(bytes.NewReader(buf.Bytes()), sp, media.RxOptions{Options: media.Options{Log: logTo(&logs)}})
	if err != nil || st.Packets != 2 || st.Refused+st.Skipped+st.Failed != 0 {
		t.Fatalf("%+v %v\n%s", st, err, logs.String())
	}
	for _, id := range ids {
		if !sp.Has(alice, spool.RX, id) {
			t.Errorf("%s not taken", id)
		}
	}
}

// TestBundleRxGarbageBetweenEntries: bytes that belong to no entry (a
// damaged stretch) are refused with their offset; zero blocks are not.
func TestBundleRxGarbageBetweenEntries(t *testing.T) {
	var a, b bytes.Buffer
	tw := tar.NewWriter(&a)
	goodEntry(t, tw, 3000)
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	tw = tar.NewWriter(&b)
	goodEntry(t, tw, 2000)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	stream := append(append(bytes.Clone(a.Bytes()), bytes.Repeat([]byte("junk"), 300)...), b.Bytes()...)
	stream = append(stream, make([]byte, 10240)...) // record padding, as GNU tar writes
	var logs bytes.Buffer
	st, err := media.BundleRx(bytes.NewReader(stream), openSpool(t, bob), media.RxOptions{Options: media.Options{Log: logTo(&logs)}})
	if !errors.Is(err, media.ErrSomeFailed) || st.Packets != 2 || st.Refused != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if want := "offset=" + strconv.Itoa(a.Len()) + " size=1200"; !strings.Contains(logs.String(), want) {
		t.Errorf("no line with %q:\n%s", want, logs.String())
	}
}

// TestXferRxRefusesJunk: symlinked sender directories and packets,
// directories and FIFOs where packets belong, and an unknown sender are
// refused one line each; names that are no packets are skipped with a
// line; the good packets are taken, and nothing is followed or opened.
func TestXferRxRefusesJunk(t *testing.T) {
	sp := openSpool(t, bob)
	dir := t.TempDir()
	copyTree(t, "testdata/xfer", dir)
	mine := filepath.Join(dir, bob.String())
	from := filepath.Join(mine, alice.String())
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	stranger := packet.ID{9}.String()
	carol := packet.ID{7}.String()
	mk := func(id byte) string { return filepath.Join(from, packet.ID{id}.String()) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(elsewhere, filepath.Join(mine, carol)))                    // symlinked sender dir
	must(os.Symlink(filepath.Join(elsewhere, "secret"), mk(1)))                // symlinked packet
	must(os.Mkdir(mk(2), 0o755))                                               // directory as a packet
	must(syscall.Mkfifo(mk(3), 0o644))                                         // FIFO as a packet
	must(os.WriteFile(filepath.Join(mine, packet.ID{8}.String()), nil, 0o644)) // file as a sender dir
	must(os.MkdirAll(filepath.Join(mine, stranger), 0o755))                    // unknown sender
	must(os.WriteFile(filepath.Join(from, ".ferryxfer.1234"), []byte("partial"), 0o644))
	var logs bytes.Buffer
	known := func(id packet.ID) bool { return id.String() != stranger }
	st, err := media.XferRx(sp, dir, media.Options{Log: logTo(&logs), Known: known})
	if !errors.Is(err, media.ErrSomeFailed) || !strings.Contains(err.Error(), "6 entries refused") {
		t.Errorf("err = %v, want 6 entries refused", err)
	}
	if st.Packets != 2 || st.Refused != 6 || st.Skipped != 1 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	for _, want := range []struct{ path, why string }{
		{carol, "symbolic link where a sender's directory belongs"},
		{packet.ID{1}.String(), "symbolic link where a packet belongs"},
		{packet.ID{2}.String(), "directory where a packet belongs"},
		{packet.ID{3}.String(), "FIFO where a packet belongs"},
		{packet.ID{8}.String(), "regular file where a sender's directory belongs"},
		{stranger, "not a configured neighbour"},
		{".ferryxfer.1234", "not a packet name"},
	} {
		n := 0
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, want.path) && strings.Contains(l, want.why) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines name %s with %q, want 1:\n%s", n, want.path, want.why, logs.String())
		}
	}
	for _, p := range vecPkts {
		if !sp.Has(alice, spool.RX, must2(packet.ParseID(p))) {
			t.Errorf("%s not taken", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(elsewhere, "secret")); string(b) != "secret" {
		t.Error("the symlink's target was touched")
	}
}

func must2(id packet.ID, err error) packet.ID {
	if err != nil {
		panic(err)
	}
	return id
}
