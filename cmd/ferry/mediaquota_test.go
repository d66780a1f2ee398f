package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMediaRxKeepsRxQuota: bob's rx quota for alice holds one packet.
// xfer --rx and bundle --rx take what fits, leave the rest on the medium
// or in the stream with a log line each, and exit 1 with a hint; after a
// toss drained rx, a second run takes the next one.
func TestMediaRxKeepsRxQuota(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	setQuota(t, l, "bob", "alice", "rx-packets: 1")
	for _, s := range []string{"one", "two", "three"} {
		l.ferry(t, "alice", []byte(s), "exec", "bob", "cat")
	}
	stream := l.ferry(t, "alice", nil, "bundle", "--tx", "bob").stdout
	medium := l.mediumTx(t, "alice")
	onMedium := func() int { return l.count(l.path("usb", l.ids["bob"], l.ids["alice"])) }
	rx := l.queue("bob", "alice", "rx")
	overQuota := func(stderr []byte) int {
		return strings.Count(string(stderr), "it does not fit in the rx quota")
	}

	r := l.run(t, "bob", nil, "xfer", "--rx", medium)
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("ferry: error: xfer --rx: 2 packets left over the rx quota\n")) ||
		!bytes.Contains(r.stderr, []byte("ferry: hint: the packets over the rx quota stay on the medium:")) ||
		!bytes.Contains(r.stderr, []byte("received: 1 packets")) || overQuota(r.stderr) != 2 {
		t.Fatalf("xfer --rx: exit %d\n%s", r.code, r.stderr)
	}
	if n, left := l.count(rx), onMedium(); n != 1 || left != 2 {
		t.Fatalf("xfer --rx: %d packets in rx, %d on the medium; want 1 and 2", n, left)
	}

	// rx is full: the stream's packet already received is skipped, the
	// other two stay in the stream.
	r = l.run(t, "bob", stream, "bundle", "--rx")
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("ferry: error: bundle --rx: 2 packets left over the rx quota\n")) ||
		!bytes.Contains(r.stderr, []byte("ferry: hint: the packets over the rx quota stay in the stream:")) || overQuota(r.stderr) != 2 {
		t.Fatalf("bundle --rx: exit %d\n%s", r.code, r.stderr)
	}
	if n := l.count(rx); n != 1 {
		t.Fatalf("bundle --rx: %d packets in rx, want 1", n)
	}

	l.ferry(t, "bob", nil, "toss", "--seen") // the packets taken are not taken again
	r = l.run(t, "bob", stream, "bundle", "--rx")
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("received: 1 packets")) || overQuota(r.stderr) != 1 {
		t.Fatalf("bundle --rx after toss: exit %d\n%s", r.code, r.stderr)
	}
	l.ferry(t, "bob", nil, "toss", "--seen") // the packets taken are not taken again
	r = l.run(t, "bob", nil, "xfer", "--rx", medium)
	if r.code != 0 || !bytes.Contains(r.stderr, []byte("received: 1 packets")) || onMedium() != 0 {
		t.Fatalf("xfer --rx after toss: exit %d, %d left on the medium\n%s", r.code, onMedium(), r.stderr)
	}
}
