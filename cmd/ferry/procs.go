package main

import (
	"io"
	"os"
	"runtime"
	"sync"
)

// Bulk transfers keep a goroutine in blocking disk writes (O_DIRECT) or
// reads most of the time, and a goroutine in a syscall holds its P until
// the runtime notices. With one P per core that idles a core the sealing
// and hashing need: measured on 2 cores, queueing a 1 GiB file takes
// 0.72 s with 2 Ps and 0.63 s with 4. So ferry runs with two Ps per core
// (unless GOMAXPROCS is set).
//
// Not from the start for exec, though, which runs once per message and
// mostly with a small body: the extra Ps cost every run page faults
// (each P allocates from spans of its own) and scheduler work (more idle
// Ps to wake and park), 5.36 -> 5.00 ms of CPU per small exec (250
// interleaved runs each, load 2.2). Its body widens them once it passes
// bulkBody bytes, long before the transfer's bulk.
const bulkBody = 1 << 20

var (
	widenOK   bool // main may widen (GOMAXPROCS unset); in-process tests leave it alone
	widenOnce sync.Once
)

// widenProcs gives the process two Ps per core (the runtime's default,
// which heeds a cgroup's CPU limit, doubled), once.
func widenProcs() {
	if !widenOK {
		return
	}
	widenOnce.Do(func() { runtime.GOMAXPROCS(2 * runtime.GOMAXPROCS(0)) })
}

// startProcs is main's choice at start: widened at once, except for the
// commands that widen themselves when their work turns out bulky.
func startProcs(argv []string) {
	widenOK = os.Getenv("GOMAXPROCS") == ""
	name := ""
	if n, ok := nncpName(argv[0]); ok {
		name = n
	} else if len(argv) > 1 {
		name = argv[1]
	}
	switch name {
	case "exec", "-V", "--version":
		return
	}
	widenProcs()
}

// widenAfter is r, which widens the Ps once more than n bytes came
// through it.
func widenAfter(r io.Reader, n int64) io.Reader { return &widening{r: r, left: n} }

type widening struct {
	r    io.Reader
	left int64
}

func (w *widening) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if w.left >= 0 {
		if w.left -= int64(n); w.left < 0 {
			widenProcs()
		}
	}
	return n, err
}
