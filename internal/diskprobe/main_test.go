package main

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/spool/fsio"
)

// TestProbe runs the probe small: four results, each a positive time at
// one of the depths tried, and no file left behind.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	var out, log bytes.Buffer
	err := run(&out, &log, dir, 4*fsio.ChunkSize, []int{1, 2})
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("no O_DIRECT on this filesystem: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	kinds := []string{"write", "read", "rw", "verify"}
	if len(lines) != len(kinds) {
		t.Fatalf("output %q: want one line for each of %v", out.String(), kinds)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != kinds[i] {
			t.Fatalf("line %q: want %q SECS DEPTH", l, kinds[i])
		}
		if s, err := strconv.ParseFloat(f[1], 64); err != nil || s <= 0 {
			t.Errorf("line %q: seconds not positive", l)
		}
		if f[2] != "1" && f[2] != "2" {
			t.Errorf("line %q: depth not one of those tried", l)
		}
	}
	if n := strings.Count(log.String(), "\n"); n != 4 {
		t.Errorf("log %q: want two lines per depth", log.String())
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) > 0 {
		t.Errorf("left behind: %v (%v)", left, err)
	}
}

func TestProbeRefuses(t *testing.T) {
	if err := run(&bytes.Buffer{}, nil, t.TempDir(), fsio.ChunkSize+1, []int{1}); err == nil {
		t.Error("a size not a multiple of the chunk: no error")
	}
	if err := run(&bytes.Buffer{}, nil, "", fsio.ChunkSize, []int{1}); err == nil {
		t.Error("no directory: no error")
	}
	for _, s := range []string{"", "0", "1,x", "17"} {
		if _, err := parseDepths(s); err == nil {
			t.Errorf("-depths %q: no error", s)
		}
	}
}
