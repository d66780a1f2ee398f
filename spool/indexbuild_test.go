package spool_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A first listing of thousands of packets that have no hdr/ copy and no
// index entry builds the index in several transactions; the listing is
// the same as one read from the files alone (most urgent first, then by
// name), and afterwards the index holds every packet: with the files
// emptied behind its back, the next listing still gives each one's
// niceness and size from the index.
func TestIndexBuildInBatches(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap
	// Distinct packets, each written and hashed: 700 cross the batches
	// as 3000 did, at a quarter of the files.
	const n = 700
	sp := openSpool(t)
	sp.SetIndexBatch(150) // five transactions, the last one short
	type want struct {
		name string
		nice uint8
		size int64
	}
	if err := os.MkdirAll(sp.QueueDir(peer, spool.TX), 0o755); err != nil {
		t.Fatal(err)
	}
	var wants []want
	nices := []uint8{224, 32, 160, 96, 1, 255}
	for i := range n {
		data := fakePacket(nices[i%len(nices)], 8+i%50)
		binary.BigEndian.PutUint64(data[packet.EncHeaderSize:], uint64(i)) // distinct packets, distinct names
		id, _, _ := packet.MTHOf(bytes.NewReader(data))
		if err := os.WriteFile(sp.PacketPath(peer, spool.TX, id), data, 0o644); err != nil {
			t.Fatal(err)
		}
		wants = append(wants, want{id.String(), nices[i%len(nices)], int64(len(data))})
	}
	slices.SortFunc(wants, func(a, b want) int {
		if a.nice != b.nice {
			return int(a.nice) - int(b.nice)
		}
		return bytes.Compare([]byte(a.name), []byte(b.name))
	})
	check := func(what string) {
		t.Helper()
		jobs, bad, err := sp.Jobs(peer, spool.TX)
		if err != nil || len(bad) != 0 || len(jobs) != n {
			t.Fatalf("%s: %d jobs, bad %v, %v", what, len(jobs), bad, err)
		}
		for i, j := range jobs {
			if w := wants[i]; j.ID.String() != w.name || j.Nice != w.nice || j.Size != w.size || j.Sender != peer {
				t.Fatalf("%s: job %d is %s nice %d size %d, want %s nice %d size %d", what, i, j.ID, j.Nice, j.Size, w.name, w.nice, w.size)
			}
		}
	}
	check("first listing (index built)")
	if _, err := os.Stat(filepath.Join(sp.Dir(), "ferry.idx")); err != nil {
		t.Fatal("no index after the first listing:", err)
	}
	for _, w := range wants {
		id, _ := packet.ParseID(w.name)
		if err := os.Truncate(sp.PacketPath(peer, spool.TX, id), 0); err != nil {
			t.Fatal(err)
		}
	}
	check("second listing (from the index alone)")
}
