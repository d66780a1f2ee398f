package toss

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// TestExecInput: a body up to execInMem reaches the handler from a memfd,
// a longer one from a scratch file of the spool that drop removes; either
// way the handler reads exactly the body from its start, written in
// pieces or read from a stream.
func TestExecInput(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(dir, packet.ID{1}, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	scratch := func() int {
		ents, _ := os.ReadDir(tmp)
		return len(ents)
	}
	tr := &Tosser{sp: sp}
	for _, n := range []int{0, 1, 4 << 10, execInMem - 1, execInMem, execInMem + 1, 3*execInMem + 7} {
		body := make([]byte, n)
		rand.NewChaCha8([32]byte{byte(n)}).Read(body)
		for _, how := range []string{"read", "write"} {
			in := &execInput{t: tr, o: &origin{}}
			if how == "read" {
				_, err = in.ReadFrom(io.MultiReader(bytes.NewReader(body[:n/3]), bytes.NewReader(body[n/3:])))
			} else {
				for p := body; len(p) > 0 && err == nil; p = p[min(len(p), 70001):] {
					_, err = in.Write(p[:min(len(p), 70001)])
				}
			}
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", n, how, err)
			}
			f, err := in.file()
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", n, how, err)
			}
			got, err := io.ReadAll(f)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%d bytes, %s: the handler would read %d bytes (%v), not the body", n, how, len(got), err)
			}
			if inMem := n <= execInMem; inMem != strings.HasPrefix(f.Name(), "memfd:") || inMem != (scratch() == 0) {
				t.Fatalf("%d bytes, %s: body in %s with %d scratch files, want it in memory: %v", n, how, f.Name(), scratch(), inMem)
			}
			in.drop()
			if scratch() != 0 {
				t.Fatalf("%d bytes, %s: scratch file left after drop", n, how)
			}
		}
	}
}
