// Command flood loads a daemon on 127.0.0.1 for `make bench` (see
// testdata/bench.sh): message 1s from unknown keys as fast as the daemon
// takes them, or idle connections held open. It stops after -duration or
// on SIGINT/SIGTERM and prints one line of figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ferry-dtn/ferry/internal/flood"
	"github.com/ferry-dtn/ferry/packet"
)

func main() {
	mode := flag.String("mode", "handshake", "handshake: message 1s as fast as taken; idle: hold connections")
	port := flag.Int("port", 0, "the daemon's port on 127.0.0.1")
	pub := flag.String("pub", "", "the daemon's noisepub (base32)")
	conns := flag.Int("conns", 32, "connections at once")
	sources := flag.Int("sources", 1, "source addresses, 127.0.0.2 onwards")
	dur := flag.Duration("duration", 30*time.Second, "stop after this long")
	flag.Parse()
	o := flood.Options{Port: *port, Conns: *conns, Sources: *sources, Duration: *dur}
	if *mode == "handshake" {
		b, err := packet.B32.DecodeString(strings.TrimSpace(*pub))
		if err != nil || len(b) != 32 {
			fmt.Fprintln(os.Stderr, "flood: -pub: want a 32-byte base32 key")
			os.Exit(2)
		}
		o.DaemonPub = [32]byte(b)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var r flood.Result
	var err error
	switch *mode {
	case "handshake":
		r, err = flood.Handshakes(ctx, o)
	case "idle":
		r, err = flood.Idle(ctx, o)
	default:
		err = fmt.Errorf("flood: -mode: %q is neither handshake nor idle", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := r.Elapsed.Seconds()
	fmt.Printf("sent=%d rate=%.0f dials=%d dialrate=%.0f failed=%d peakheld=%d meanheld=%.0f seconds=%.1f\n",
		r.Sent, float64(r.Sent)/s, r.Dials, float64(r.Dials)/s, r.Failed, r.PeakHeld, r.MeanHeld, s)
}
