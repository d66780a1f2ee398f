package main

import (
	"os"
	"strconv"
	"time"
)

// envDeadline is NNCPDEADLINE in seconds, as NNCP reads it: the dial,
// handshake and write deadline, and the default onlinedeadline. It is
// read once, here; 0 (unset or not a positive number) leaves the
// libraries' 10 s.
func envDeadline() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("NNCPDEADLINE")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}
