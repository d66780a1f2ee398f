package spool_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// sizeReader records the largest buffer it was given, and yields its
// first slow bytes one at a time.
type sizeReader struct {
	r    io.Reader
	slow int
	max  int
}

func (s *sizeReader) Read(p []byte) (int, error) {
	s.max = max(s.max, len(p))
	if s.slow > 0 {
		s.slow--
		p = p[:1]
	}
	return s.r.Read(p)
}

// TestCopyInReadsIntoChunks: a large packet copied in is read straight
// into the spool writer's chunks (buffers far above a block; through
// packet.Copy they were one block), whole, with its header kept for hdr/
// even when it came a byte at a time.
func TestCopyInReadsIntoChunks(t *testing.T) {
	sp := openSpool(t)
	pkt := fakePacket(100, 12<<20)
	src := &sizeReader{r: bytes.NewReader(pkt), slow: packet.EncHeaderSize + 30}
	id, n, err := sp.CopyIn(src, peer, spool.RX, nil)
	if err != nil || n != int64(len(pkt)) {
		t.Fatalf("copy in: %d bytes, %v", n, err)
	}
	if src.max <= 2*packet.BlockSize {
		t.Errorf("largest read %d bytes: not read into the writer's chunks", src.max)
	}
	got, err := os.ReadFile(filepath.Join(sp.QueueDir(peer, spool.RX), id.String()))
	if err != nil || !bytes.Equal(got, pkt) {
		t.Fatalf("packet differs (%d bytes, %v)", len(got), err)
	}
	head, err := os.ReadFile(filepath.Join(sp.QueueDir(peer, spool.RX), "hdr", id.String()))
	if err != nil || !bytes.Equal(head, pkt[:packet.EncHeaderSize]) {
		t.Fatalf("hdr copy: %d bytes, %v", len(head), err)
	}
}
