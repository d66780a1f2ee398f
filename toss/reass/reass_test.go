package reass_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss/reass"
)

// chunk writes data as base.nncp.chunkN files plus the meta.
func chunk(t *testing.T, dir, name string, data []byte, size int) string {
	t.Helper()
	m := packet.Meta{FileSize: uint64(len(data)), ChunkSize: uint64(size)}
	for i := 0; i*size < len(data) || i == 0; i++ {
		part := data[i*size : min(len(data), (i+1)*size)]
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s.nncp.chunk%d", name, i)), part, 0o644); err != nil {
			t.Fatal(err)
		}
		id, _, _ := packet.MTHOf(bytes.NewReader(part))
		m.Checksums = append(m.Checksums, id)
	}
	b, _ := m.MarshalBinary()
	p := filepath.Join(dir, name+".nncp.meta")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReass(t *testing.T) {
	for _, c := range []struct{ size, chunk int }{{40000, 16384}, {32768, 16384}, {16384, 16384}, {1, 16384}, {0, 16384}} {
		dir := t.TempDir()
		data := make([]byte, c.size)
		rand.Read(data)
		meta := chunk(t, dir, "f.bin", data, c.chunk)
		if !reass.Complete(meta) {
			t.Fatalf("%+v: not complete", c)
		}
		final, err := reass.Reass(meta, reass.Options{NoSync: true})
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if got, _ := os.ReadFile(final); !bytes.Equal(got, data) {
			t.Fatalf("%+v: content differs", c)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%+v: pieces left: %d entries", c, len(ents))
		}
	}
}

func TestReassRefusesBadChunks(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 40000)
	rand.Read(data)
	meta := chunk(t, dir, "f.bin", data, 16384)
	if err := os.Remove(filepath.Join(dir, "f.bin.nncp.chunk1")); err != nil {
		t.Fatal(err)
	}
	if reass.Complete(meta) {
		t.Fatal("complete with a chunk missing")
	}
	if _, err := reass.Reass(meta, reass.Options{}); err == nil {
		t.Fatal("reassembled with a chunk missing")
	}
	meta = chunk(t, dir, "g.bin", data, 16384)
	b, _ := os.ReadFile(filepath.Join(dir, "g.bin.nncp.chunk2"))
	b[0] ^= 1
	if err := os.WriteFile(filepath.Join(dir, "g.bin.nncp.chunk2"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := reass.Reass(meta, reass.Options{}); err == nil {
		t.Fatal("reassembled a damaged chunk")
	}
	if _, err := os.Stat(filepath.Join(dir, "g.bin")); err == nil {
		t.Fatal("a damaged file was written under its final name")
	}
	if _, err := os.Stat(filepath.Join(dir, "g.bin.nncp.chunk0")); err != nil {
		t.Fatal("chunks removed after a failure")
	}
}
