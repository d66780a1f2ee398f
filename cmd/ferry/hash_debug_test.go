package main

import (
	"bytes"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/packet"
)

// Sizes around the tree's shapes: empty, one short leaf, one full leaf,
// a promoted odd leaf, a full power of two, odd counts on several levels.
var mthTraceSizes = []int{0, 11, packet.BlockSize, packet.BlockSize + 1, 3 * packet.BlockSize, 4 * packet.BlockSize, 7*packet.BlockSize - 5, 11 * packet.BlockSize}

// TestMTHTraceRoots: both traced orders reach packet.MTH's root.
func TestMTHTraceRoots(t *testing.T) {
	t.Parallel()
	for _, n := range mthTraceSizes {
		in := labtest.MTHInput(n)
		want, _, _ := packet.MTHOf(bytes.NewReader(in))
		for name, h := range map[string]func([]byte) ([32]byte, error){
			"sequential": func(b []byte) ([32]byte, error) { return mthSequential(bytes.NewReader(b), func(mthStep) {}) },
			"fat":        func(b []byte) ([32]byte, error) { return mthFat(bytes.NewReader(b), func(mthStep) {}) },
		} {
			got, err := h(in)
			if err != nil || got != want {
				t.Errorf("%s, %d bytes: %s, want %s (%v)", name, n, hex.EncodeToString(got[:]), want, err)
			}
		}
	}
}

// TestHashDebugMatchesNNCP: `ferry hash --debug` prints the steps
// nncp-hash -debug prints, line for line, in both of NNCP's orders. In
// the sequential order nncp-hash hands its printer a pointer to a tree
// entry that the next fold may already have moved up, so the level and
// index it prints for a fold can be those of a later step, varying run
// to run: there the step and hash columns are compared, in the fat order
// (fresh entries each step) every column.
func TestHashDebugMatchesNNCP(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-hash")
	dir := t.TempDir()
	for _, n := range mthTraceSizes {
		p := filepath.Join(dir, strconv.Itoa(n))
		mustWrite(t, p, labtest.MTHInput(n), 0o644)
		for _, fat := range []bool{false, true} {
			nargs, fargs := []string{"-debug", "-file", p}, []string{"hash", "--debug", "--file", p}
			if fat {
				nargs, fargs = append(nargs, "-force-fat"), append(fargs, "--force-fat")
			}
			want, err := exec.Command("nncp-hash", nargs...).Output()
			if err != nil {
				t.Fatal(err)
			}
			r := ferry(t, nil, fargs...)
			got := r.stdout
			if !fat {
				got, want = stepsAndHashes(got), stepsAndHashes(want)
			}
			if r.code != 0 || !bytes.Equal(got, want) {
				t.Errorf("%d bytes, fat %v:\nferry:\n%s\nnncp:\n%s", n, fat, got, want)
			}
		}
	}
}

// stepsAndHashes keeps the first and last column of each step line.
func stepsAndHashes(out []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(out, []byte("\n")) {
		if f := bytes.Split(line, []byte("\t")); len(f) == 4 {
			line = append(append(append([]byte{}, f[0]...), '\t'), f[3]...)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
