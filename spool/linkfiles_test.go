package spool_test

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// queueLinkedFiles queues n files as queueFiles does (the same names,
// nicenesses and sizes), but the files of one niceness and size are hard
// links to one file, so the queue costs a directory entry a packet, not
// an inode and a data block. A listing reads each name's header and
// stats it, and neither tells a link from a file. On the shared 2-core
// test machine, under load, writing and then removing 50,000 small files
// took 100-145 s, linking and removing them 14-17 s. Only for tests that
// never change one file's content or times: a change to one is a change
// to all its links.
func queueLinkedFiles(t testing.TB, sp *spool.Spool, n int, nices []uint8) {
	t.Helper()
	if err := os.MkdirAll(sp.QueueDir(peer, spool.TX), 0o755); err != nil {
		t.Fatal(err)
	}
	type shape struct {
		nice uint8
		size int
	}
	first := map[shape]string{}
	for i := range n {
		var id packet.ID // named as queueFilesFrom names them
		binary.BigEndian.PutUint64(id[:], uint64(i)*0x9E3779B97F4A7C15)
		id[31] = byte(i)
		s := shape{nices[i%len(nices)], 8 + i%13}
		p := sp.PacketPath(peer, spool.TX, id)
		if f, ok := first[s]; ok {
			if err := os.Link(f, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, fakePacket(s.nice, s.size), 0o644); err != nil {
			t.Fatal(err)
		}
		first[s] = p
	}
}
