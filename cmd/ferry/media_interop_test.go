package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func randomFile(t *testing.T, p string, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInteropXfer: a tree written by nncp-xfer is taken in by ferry xfer,
// and the other way round.
func TestInteropXfer(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-xfer")
	for _, dir := range []struct{ writer, reader impl }{{nncpImpl, ferryImpl}, {ferryImpl, nncpImpl}} {
		t.Run(dir.writer.name+"-to-"+dir.reader.name, func(t *testing.T) {
			l := newNetLab(t)
			data := randomFile(t, l.path("src"), 300000)
			dir.writer.file(l, t, "alice", l.path("src"), "bob:x.bin")
			var medium string
			if dir.writer.name == "ferry" {
				medium = l.mediumTx(t, "alice")
			} else {
				medium = l.path("usb")
				mustMkdirAll(t, medium)
				l.nncp(t, "alice", nil, "nncp-xfer", "-mkdir", "-tx", medium)
			}
			if l.count(l.queue("alice", "bob", "tx")) != 0 {
				t.Fatal("packet still queued after xfer --tx")
			}
			if dir.reader.name == "ferry" {
				l.ferry(t, "bob", nil, "xfer", "--rx", medium)
			} else {
				l.nncp(t, "bob", nil, "nncp-xfer", "-rx", medium)
			}
			dir.reader.toss(l, t, "bob")
			l.incomingIs(t, "bob", "x.bin", data)
		})
	}
}

// TestInteropBundle: nncp-bundle -tx read by ferry bundle --rx and the
// reverse.
func TestInteropBundle(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-bundle")
	for _, dir := range []struct{ writer, reader impl }{{nncpImpl, ferryImpl}, {ferryImpl, nncpImpl}} {
		t.Run(dir.writer.name+"-to-"+dir.reader.name, func(t *testing.T) {
			l := newNetLab(t)
			data := randomFile(t, l.path("src"), 200000)
			dir.writer.file(l, t, "alice", l.path("src"), "bob:b.bin")
			var stream []byte
			if dir.writer.name == "ferry" {
				stream = l.ferry(t, "alice", nil, "bundle", "--tx", "bob").stdout
			} else {
				stream = l.nncp(t, "alice", nil, "nncp-bundle", "-tx", "bob")
			}
			if dir.reader.name == "ferry" {
				l.ferry(t, "bob", stream, "bundle", "--rx")
			} else {
				l.nncp(t, "bob", stream, "nncp-bundle", "-rx")
			}
			dir.reader.toss(l, t, "bob")
			l.incomingIs(t, "bob", "b.bin", data)
		})
	}
}

// TestInteropChunked: nncp-file -chunked reassembled by ferry (exact
// multiple included) and ferry's chunks by nncp-reass.
func TestInteropChunked(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-reass")
	for _, size := range []int{40000, 32768} {
		t.Run(fmt.Sprintf("nncp-to-ferry-%d", size), func(t *testing.T) {
			l := newNetLab(t)
			data := randomFile(t, l.path("src"), size)
			l.nncp(t, "alice", nil, "nncp-file", "-chunked", "16", l.path("src"), "bob:c.bin")
			l.carry(t, "alice", "bob")
			l.ferry(t, "bob", nil, "toss", "--reass")
			if !l.incomingIs(t, "bob", "c.bin", data) {
				t.FailNow()
			}
			if m, _ := filepath.Glob(l.path("bob", "incoming", "c.bin.nncp*")); len(m) != 0 {
				t.Errorf("pieces left: %v", m)
			}
		})
	}
	t.Run("ferry-to-nncp", func(t *testing.T) {
		l := newNetLab(t)
		data := randomFile(t, l.path("src"), 40000)
		l.ferry(t, "alice", nil, "file", "--chunked", "16", l.path("src"), "bob:c.bin")
		if n := l.count(l.queue("alice", "bob", "tx")); n != 4 {
			t.Fatalf("%d packets, want 3 chunks and a meta", n)
		}
		l.carry(t, "alice", "bob")
		l.nncp(t, "bob", nil, "nncp-toss")
		l.nncp(t, "bob", nil, "nncp-reass", l.path("bob", "incoming", "c.bin.nncp.meta"))
		l.incomingIs(t, "bob", "c.bin", data) // nncp-reass's result
	})
	t.Run("ferry-reass-command", func(t *testing.T) {
		l := newNetLab(t)
		data := randomFile(t, l.path("src"), 65536)
		l.ferry(t, "alice", nil, "file", "--chunked", "16", l.path("src"), "bob:d.bin")
		l.carry(t, "alice", "bob")
		l.ferry(t, "bob", nil, "toss")
		l.ferry(t, "bob", nil, "reass", "--all")
		l.incomingIs(t, "bob", "d.bin", data)
	})
}

// TestCarrierWorkflow: two media trips. A packet stays queued at alice
// until bob's ACK comes back, then it is gone on both sides, and bob got
// the file once although the first trip's packet travelled twice.
func TestCarrierWorkflow(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	data := randomFile(t, l.path("src"), 50000)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:carried.bin")
	usb := l.path("usb")
	mustMkdirAll(t, usb)
	trip := func() {
		// alice's side
		l.ferry(t, "alice", nil, "xfer", "--keep", "--mkdir", usb)
		l.ferry(t, "alice", nil, "toss")
		// bob's side
		l.ferry(t, "bob", nil, "xfer", "--keep", "--mkdir", usb)
		l.ferry(t, "bob", nil, "toss", "--gen-ack")
		l.ferry(t, "bob", nil, "xfer", "--keep", "--tx", usb)
	}
	trip()
	if l.count(l.queue("alice", "bob", "tx")) != 1 {
		t.Fatal("alice's packet left the queue before any ACK came back")
	}
	if !l.incomingIs(t, "bob", "carried.bin", data) { // on the first trip
		t.FailNow()
	}
	// The medium is emptied by a careless carrier: the second trip must
	// still converge (alice resends, bob recognises it, ACK goes back).
	mustRemoveAll(t, filepath.Join(usb, l.ids["bob"]))
	trip()
	// alice reads bob's ACK off the medium and tosses it.
	l.ferry(t, "alice", nil, "xfer", "--rx", usb)
	l.ferry(t, "alice", nil, "toss")
	if n := l.count(l.queue("alice", "bob", "tx")); n != 0 {
		t.Fatalf("alice still has %d queued after the ACK", n)
	}
	if _, err := os.Stat(l.path("bob", "incoming", "carried.bin.0")); err == nil {
		t.Fatal("bob got the file twice")
	}
	// bob's ACK is gone from his queue too once it went out; nothing left.
	l.ferry(t, "bob", nil, "xfer", "--tx", usb)
	if n := l.count(l.queue("bob", "alice", "tx")); n != 0 {
		t.Errorf("bob still has %d queued", n)
	}
}
