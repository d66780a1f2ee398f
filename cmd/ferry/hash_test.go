package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

func TestHashVectors(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{
		0:      "c61e51cf3a3fc9c9249b2463015e0d17a1acdce2c2baec1db8ddc5d84f0aa95f",
		131073: "f0f71c08a451bf7b7d26844d889293b81db3f58ca1b8d40e01c187dda9991429",
		655367: "2655e4fd056c3d855d24f1a64ecf4c77e6a4654b8aca35ec1dfc1d24c1d24010",
		// Past one ReadAt window (packet/mth_readat.go) and a block:
		// --file reads at offsets on two goroutines. From nncp-hash.
		33<<20 + 131073: "9a479feaeb4bdf717b0461947d71c0914c3ee23f95c9efb106f13a3ed8adae5d",
	} {
		in := labtest.MTHInput(n)
		if r := ferry(t, in, "hash"); string(bytes.TrimSpace(r.stdout)) != want {
			t.Errorf("len %d stdin: %q %s", n, r.stdout, r.stderr)
		}
		p := filepath.Join(t.TempDir(), "f")
		mustWrite(t, p, in, 0o600)
		for _, seek := range []int{0, 1, 131072, 5_000_001, n} {
			if seek > n {
				continue
			}
			r := ferry(t, nil, "hash", "--file", p, "--seek", strconv.Itoa(seek))
			if string(bytes.TrimSpace(r.stdout)) != want {
				t.Errorf("len %d seek %d: %q %s", n, seek, r.stdout, r.stderr)
			}
		}
	}
}

func TestHashMatchesNNCP(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-hash")
	for _, n := range []int{0, 1, 131071, 131072, 131073, 10<<20 + 7} {
		in := labtest.MTHInput(n)
		p := filepath.Join(t.TempDir(), "f")
		mustWrite(t, p, in, 0o600)
		ref, err := exec.Command("nncp-hash", "-file", p).Output()
		if err != nil {
			t.Fatal(err)
		}
		if r := ferry(t, nil, "hash", "--file", p); !bytes.Equal(r.stdout, ref) {
			t.Errorf("len %d from file: ferry %q, nncp %q", n, r.stdout, ref)
		}
		if r := ferry(t, in, "hash"); !bytes.Equal(r.stdout, ref) {
			t.Errorf("len %d from stdin: ferry %q, nncp %q", n, r.stdout, ref)
		}
	}
}

// Stdin redirected from a regular file is read at offsets from where it
// stands (as with ferry hash <FILE after a read), and left at its end.
func TestHashStdinFile(t *testing.T) {
	t.Parallel()
	const want = "9a479feaeb4bdf717b0461947d71c0914c3ee23f95c9efb106f13a3ed8adae5d" // TestHashVectors
	const skip = 4099
	in := labtest.MTHInput(33<<20 + 131073)
	p := filepath.Join(t.TempDir(), "f")
	mustWrite(t, p, append(make([]byte, skip), in...), 0o600)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"hash"}, newStreams(f, &out, &errb)); code != 0 || strings.TrimSpace(out.String()) != want {
		t.Fatalf("exit %d: %q %s", code, out.String(), errb.String())
	}
	if pos, err := f.Seek(0, io.SeekCurrent); err != nil || pos != int64(skip+len(in)) {
		t.Fatalf("stdin left at %d (%v), want its end %d", pos, err, skip+len(in))
	}
}
