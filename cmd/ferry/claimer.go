package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-dtn/ferry/toss"
)

// claimerPath is the binary toss starts as its claimer (this one); ""
// when it cannot be told, and handlers then claim through /bin/sh.
func claimerPath() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// serveClaims is the whole program when started as toss.ClaimerName:
// it serves the claims of the toss that started it on descriptor 3.
// Interrupts are ignored, as for a handler started by the shell: what
// toss asked for before a Ctrl-C is claimed and started all the same, and
// the claimer ends once toss is gone and the handlers have ended.
func serveClaims() int {
	signal.Ignore(os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	f := os.NewFile(3, "claims")
	c, err := net.FileConn(f)
	_ = f.Close() // FileConn made its own descriptor
	if err == nil {
		uc, ok := c.(*net.UnixConn)
		if !ok {
			err = fmt.Errorf("descriptor 3 is not a unix socket")
		} else {
			err = toss.ServeClaims(uc)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferry: error: %v\n", err)
		return 1
	}
	return 0
}
