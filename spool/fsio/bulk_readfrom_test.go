package fsio

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"testing"
)

// oddReader yields its content in pieces of varying size, never more than
// asked, and records the largest buffer it was given.
type oddReader struct {
	b       []byte
	i       int
	largest int
}

func (r *oddReader) Read(p []byte) (int, error) {
	r.largest = max(r.largest, len(p))
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	step := []int{172, 131072 + 16, 7, 65536, 1 << 20, 3, 5 << 20}
	k := min(len(p), len(r.b), step[r.i%len(step)])
	r.i++
	copy(p, r.b[:k])
	r.b = r.b[k:]
	return k, nil
}

// TestBulkWriterReadFrom: ReadFrom writes and hashes what Write would,
// and once the pipeline runs hands the reader the chunk's room itself
// (more than any copy buffer), so a reader decrypts straight into it.
func TestBulkWriterReadFrom(t *testing.T) {
	t.Parallel()
	eachCase(t, func(direct bool, n int, want []byte, p string) {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		w := NewBulkWriter(f, 0, true, h)
		w.cached = !direct
		src := &oddReader{b: want}
		if got, err := w.ReadFrom(src); err != nil || got != int64(n) {
			t.Fatalf("direct=%v size %d: ReadFrom %d, %v", direct, n, got, err)
		}
		if err := errors.Join(w.Finish(), f.Close()); err != nil {
			t.Fatalf("direct=%v size %d: %v", direct, n, err)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, want) {
			t.Fatalf("direct=%v size %d: file differs (%d bytes)", direct, n, len(got))
		}
		if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Errorf("direct=%v size %d: hash differs", direct, n)
		}
		if n > directAfter+directChunk && src.largest < directChunk/2 {
			t.Errorf("direct=%v size %d: the reader was given at most %d bytes at once, not the chunk's room", direct, n, src.largest)
		}
	})
}
