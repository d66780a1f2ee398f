package call

import (
	"errors"
	"io"
	"os"
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

// setDeadline sets (d > 0) or clears the read or write deadline of rw,
// when it has deadlines: a file that cannot take one (os.ErrNoDeadline)
// is as a stream without them. Another error is returned: a deadline not
// set could let a silent peer hang the session.
func setDeadline(rw io.ReadWriter, read bool, d time.Duration) error {
	dl, ok := rw.(deadliner)
	if !ok {
		return nil
	}
	t := time.Time{}
	if d > 0 {
		t = time.Now().Add(d)
	}
	if read {
		return ignoreNoDeadline(dl.SetReadDeadline(t))
	}
	return ignoreNoDeadline(dl.SetWriteDeadline(t))
}

// ignoreNoDeadline is err, but nil for a file that takes no deadlines.
func ignoreNoDeadline(err error) error {
	if errors.Is(err, os.ErrNoDeadline) {
		return nil
	}
	return err
}
