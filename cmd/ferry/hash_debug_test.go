package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"ferry/packet"
)

// Sizes around the tree's shapes: empty, one short leaf, one full leaf,
// a promoted odd leaf, a full power of two, odd counts on several levels.
var mthTraceSizes = []int{0, 11, packet.BlockSize, packet.BlockSize + 1, 3 * packet.BlockSize, 4 * packet.BlockSize, 7*packet.BlockSize - 5, 11 * packet.BlockSize}

// TestMTHTraceRoots: both traced orders reach packet.MTH's root.
func TestMTHTraceRoots(t *testing.T) {
	for _, n := range mthTraceSizes {
		in := mthInput(n)
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
// nncp-hash -debug prints, line for line, in both of NNCP's orders.
func TestHashDebugMatchesNNCP(t *testing.T) {
	needNNCP(t, "nncp-hash")
	dir := t.TempDir()
	for _, n := range mthTraceSizes {
		p := filepath.Join(dir, strconv.Itoa(n))
		os.WriteFile(p, mthInput(n), 0o644)
		for _, fat := range []bool{false, true} {
			nargs, fargs := []string{"-debug", "-file", p}, []string{"hash", "--debug", "--file", p}
			if fat {
				nargs, fargs = append(nargs, "-force-fat"), append(fargs, "--force-fat")
			}
			want, err := exec.Command("nncp-hash", nargs...).Output()
			if err != nil {
				t.Fatal(err)
			}
			if r := ferry(t, nil, fargs...); r.code != 0 || !bytes.Equal(r.stdout, want) {
				t.Errorf("%d bytes, fat %v:\nferry:\n%s\nnncp:\n%s", n, fat, r.stdout, want)
			}
		}
	}
}
