package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"ferry/toss"
)

// execOnce is the hidden `ferry __exec-once MARKER -- ARGV...` that toss
// starts for each handler. It claims MARKER with O_EXCL, makes it durable,
// then replaces itself with the handler. Being a separate process, it
// finishes even if toss is killed; a second claimant finds the marker and
// exits with toss.ExecOnceAlreadyRan instead of running the handler again.
func execOnce(args []string) int {
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, "ferry: error: usage: ferry __exec-once MARKER -- ARGV...")
		return exitUsage
	}
	marker, argv := args[0], args[2:]
	if err := os.MkdirAll(filepath.Dir(marker), 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "ferry: error: exec marker: %v\n", err)
		return exitFailure
	}
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return toss.ExecOnceAlreadyRan
		}
		fmt.Fprintf(os.Stderr, "ferry: error: exec marker: %v\n", err)
		return exitFailure
	}
	f.Close()
	if os.Getenv("NNCPNOSYNC") == "" {
		if d, err := os.Open(filepath.Dir(marker)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	err = syscall.Exec(argv[0], argv, os.Environ())
	os.Remove(marker) // not started: let a later toss try again
	fmt.Fprintf(os.Stderr, "ferry: error: exec %s: %v\n", argv[0], err)
	return exitFailure
}
