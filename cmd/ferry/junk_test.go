package main

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// run runs ferry as lab node n without --quiet, so the summary shows.
func (l *netLab) run(t *testing.T, n string, stdin []byte, args ...string) result {
	t.Helper()
	return ferry(t, stdin, append([]string{args[0], "--cfg", l.cfg(n)}, args[1:]...)...)
}

// errorLines are the stderr lines starting "ferry: error:" that mention s.
func errorLines(stderr []byte, s string) int {
	n := 0
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.HasPrefix(line, "ferry: error:") && strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// oneErrorLineEach fails the test unless each of names is in exactly
// one error line of stderr.
func oneErrorLineEach(t *testing.T, stderr []byte, names ...string) {
	t.Helper()
	for _, s := range names {
		if n := errorLines(stderr, s); n != 1 {
			t.Errorf("%d error lines for %s, want 1:\n%s", n, s, stderr)
		}
	}
}

// TestBundleRxRefusesJunkAndFails: a real bundle with hostile entries
// appended is taken in for its packet, each junk entry gets one error
// line, the summary counts them and ferry exits 1 saying how many.
func TestBundleRxRefusesJunkAndFails(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	data := randomFile(t, l.path("src"), 5000)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:b.bin")
	stream := l.ferry(t, "alice", nil, "bundle", "--tx", "bob").stdout
	var junk bytes.Buffer
	tw := tar.NewWriter(&junk)
	entry := func(h *tar.Header, data string) {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	entry(&tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644}, "evil")
	entry(&tar.Header{Name: "NNCP/x/y/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, "")
	entry(&tar.Header{Name: "NNCP/fifo", Typeflag: tar.TypeFifo}, "")
	entry(&tar.Header{Name: "big.bin", Typeflag: tar.TypeReg, Size: 10 << 30, Mode: 0o644, Format: tar.FormatGNU}, "cut short")
	// Ends the stream inside big.bin: the tar writer says so, which is
	// the point.
	_ = tw.Flush()
	r := l.run(t, "bob", append(bytes.Clone(stream), junk.Bytes()...), "bundle", "--rx")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"ferry: error: bundle --rx: 4 entries refused\n", "received: 1 packets", "0 skipped, 4 refused, 0 failed"} {
		if !bytes.Contains(r.stderr, []byte(want)) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	oneErrorLineEach(t, r.stderr, "path=../evil", "path=NNCP/x/y/link", "path=NNCP/fifo", "path=big.bin")
	l.ferry(t, "bob", nil, "toss")
	l.incomingIs(t, "bob", "b.bin", data) // the good packet beside the junk
}

// xferOne queues n random bytes at alice for bob as x.bin and xfers the
// packet onto a fresh medium: the file's bytes and the medium.
func (l *netLab) xferOne(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	data := randomFile(t, l.path("src"), n)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:x.bin")
	return data, l.mediumTx(t, "alice")
}

// TestXferRxRefusesJunkAndFails: links, directories and FIFOs on the
// medium are refused one line each, the real packet is taken, exit 1.
func TestXferRxRefusesJunkAndFails(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	data, medium := l.xferOne(t, 5000)
	mine := filepath.Join(medium, l.ids["bob"])
	from := filepath.Join(mine, l.ids["alice"])
	mustSymlink(t, "/etc", filepath.Join(mine, l.ids["carol"]))
	mustSymlink(t, "/etc/passwd", filepath.Join(from, strings.Repeat("A", 52)))
	mustMkdir(t, filepath.Join(from, strings.Repeat("B", 51)+"Q"))
	if err := syscall.Mkfifo(filepath.Join(from, strings.Repeat("C", 51)+"Q"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := l.run(t, "bob", nil, "xfer", "--rx", medium)
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("ferry: error: xfer --rx: 4 entries refused\n")) ||
		!bytes.Contains(r.stderr, []byte("received: 1 packets")) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	oneErrorLineEach(t, r.stderr, l.ids["carol"], strings.Repeat("A", 52), strings.Repeat("B", 51)+"Q", strings.Repeat("C", 51)+"Q")
	l.ferry(t, "bob", nil, "toss")
	l.incomingIs(t, "bob", "x.bin", data) // the packet beside the junk
}

// TestXferRxOversizedPacketFile: megabytes after a real packet on the
// medium are not copied: the packet is taken and tossed, the tail
// refused, exit 1.
func TestXferRxOversizedPacketFile(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	data, medium := l.xferOne(t, 200000)
	pkts, _ := filepath.Glob(filepath.Join(medium, l.ids["bob"], l.ids["alice"], "*"))
	if len(pkts) != 1 {
		t.Fatalf("%d packets on the medium", len(pkts))
	}
	f, err := os.OpenFile(pkts[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(make([]byte, 16<<20))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	r := l.run(t, "bob", nil, "xfer", "--rx", medium)
	if r.code != 1 || errorLines(r.stderr, "16777216 bytes after the end of the packet") != 1 ||
		!bytes.Contains(r.stderr, []byte("received: 1 packets")) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	l.ferry(t, "bob", nil, "toss")
	l.incomingIs(t, "bob", "x.bin", data)
}

// TestTossSetsAsideDamagedRxFile: garbage under a packet's name in rx/
// fails one toss with one line and moves to rx/bad/; the next toss is
// clean.
func TestTossSetsAsideDamagedRxFile(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	rx := l.queue("bob", "alice", "rx")
	mustMkdirAll(t, rx)
	name := strings.Repeat("D", 51) + "Q"
	mustWrite(t, filepath.Join(rx, name), bytes.Repeat([]byte("garbage "), 64), 0o644)
	r := l.run(t, "bob", nil, "toss")
	if r.code != 1 || errorLines(r.stderr, "unknown magic number") != 1 {
		t.Fatalf("first toss: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(rx, "bad", name)); err != nil {
		t.Fatalf("not in rx/bad/: %v", err)
	}
	if r := l.run(t, "bob", nil, "toss"); r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("second toss: exit %d\n%s", r.code, r.stderr)
	}
}

// TestXferTxFullMedium: on a 4 MiB medium a 6 MiB packet is left queued
// with a line, the small packet behind it still goes, exit 1.
func TestXferTxFullMedium(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (spool/media tests inject ENOSPC instead)")
	}
	l := newNetLab(t)
	medium := l.path("usb")
	mustMkdirAll(t, medium)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", medium).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", medium).CombinedOutput(); err != nil { // or the lab cannot be removed
			t.Errorf("umount %s: %v %s", medium, err, out)
		}
	})
	randomFile(t, l.path("big"), 6<<20)
	small := randomFile(t, l.path("small"), 1000)
	l.ferry(t, "alice", nil, "file", "--nice", "F", l.path("big"), "bob:big")
	l.ferry(t, "alice", nil, "file", l.path("small"), "bob:small")
	r := l.run(t, "alice", nil, "xfer", "--mkdir", "--tx", medium)
	if r.code != 1 || errorLines(r.stderr, "does not fit") != 1 ||
		!bytes.Contains(r.stderr, []byte("ferry: error: xfer --tx: 1 packet failed\n")) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if l.count(l.queue("alice", "bob", "tx")) != 1 {
		t.Error("want the big packet still queued, and only it")
	}
	l.ferry(t, "bob", nil, "xfer", "--rx", medium)
	l.ferry(t, "bob", nil, "toss")
	l.incomingIs(t, "bob", "small", small) // the small packet made the trip
}
