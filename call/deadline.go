package call

import (
	"io"
	"time"
)

// DefaultDeadline bounds a dial, a handshake and each write when
// Options.Deadline is 0 (NNCP's default; the command line takes
// NNCPDEADLINE instead).
const DefaultDeadline = 10 * time.Second

func deadlineOr(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultDeadline
	}
	return d
}

// deadliner is implemented by network connections.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func setDeadline(rw io.ReadWriter, read bool, d time.Duration) {
	dl, ok := rw.(deadliner)
	if !ok {
		return
	}
	t := time.Time{}
	if d > 0 {
		t = time.Now().Add(d)
	}
	if read {
		dl.SetReadDeadline(t)
	} else {
		dl.SetWriteDeadline(t)
	}
}
