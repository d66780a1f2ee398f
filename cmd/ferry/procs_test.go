package main

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"
)

// TestProcsWidening: exec (as ferry exec or nncp-exec) starts with the
// runtime's Ps and widens once its body passes bulkBody; other commands
// widen at start. Not parallel: it sets the process's GOMAXPROCS.
func TestProcsWidening(t *testing.T) {
	base := runtime.GOMAXPROCS(0)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(base)
		widenOK, widenOnce = false, sync.Once{}
	})
	t.Setenv("GOMAXPROCS", "")
	fresh := func() {
		runtime.GOMAXPROCS(base)
		widenOnce = sync.Once{}
	}
	for _, argv := range [][]string{{"ferry", "exec", "bob", "h"}, {"/usr/bin/nncp-exec", "bob", "h"}, {"ferry", "--version"}} {
		fresh()
		startProcs(argv)
		if got := runtime.GOMAXPROCS(0); got != base {
			t.Errorf("%q: %d Ps at start, want %d", argv, got, base)
		}
	}
	fresh()
	startProcs([]string{"ferry", "exec", "bob", "h"})
	r := widenAfter(bytes.NewReader(make([]byte, bulkBody+1)), bulkBody)
	if _, err := io.CopyN(io.Discard, r, bulkBody); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != base {
		t.Errorf("after bulkBody bytes: %d Ps, want %d", got, base)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != 2*base {
		t.Errorf("past bulkBody bytes: %d Ps, want %d", got, 2*base)
	}
	for _, argv := range [][]string{{"ferry", "file", "x", "bob:"}, {"nncp-file", "x", "bob:"}, {"ferry", "call", "bob"}} {
		fresh()
		startProcs(argv)
		if got := runtime.GOMAXPROCS(0); got != 2*base {
			t.Errorf("%q: %d Ps at start, want %d", argv, got, 2*base)
		}
	}
	fresh()
	t.Setenv("GOMAXPROCS", "3")
	startProcs([]string{"ferry", "file", "x", "bob:"})
	if got := runtime.GOMAXPROCS(0); got != base {
		t.Errorf("GOMAXPROCS set: %d Ps, want %d (the runtime's)", got, base)
	}
}
