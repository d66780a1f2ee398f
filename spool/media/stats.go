package media

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ferry-dtn/ferry/spool"
)

// Stats counts what an xfer or bundle run did with every item it met.
//
//   - Packets, Bytes: taken in or written out.
//   - Skipped: left alone for an ordinary reason (already received, above
//     --nice, addressed to another node); each is logged, and they do not
//     make the run fail.
//   - Refused: junk that is not a packet we could take, such as a symlink,
//     a directory or FIFO where a packet belongs, a tar entry outside the
//     NNCP/<recipient>/<sender>/<packet> layout, a truncated entry or data
//     beyond a packet's end. Each is logged and makes the run fail.
//   - Failed: packets that should have moved and did not (damaged, no
//     room on the medium, I/O errors). Each is logged and makes the run fail.
//   - OverQuota: packets left where they were (on the medium, in the
//     stream) because they do not fit in their sender's rx quota. Each is
//     logged and makes the run fail: the medium is not done with.
type Stats struct {
	Packets   int
	Bytes     int64
	Skipped   int
	Refused   int
	Failed    int
	OverQuota int
}

// ErrSomeFailed is returned (wrapped in a message with the counts) when
// at least one item was refused or one packet did not move; everything
// else was still done.
var ErrSomeFailed = errors.New("some packets were not transferred")

// incomplete is the error of a run that refused or failed something.
type incomplete struct{ refused, failed, overQuota int }

func (e *incomplete) Error() string {
	var parts []string
	if e.refused > 0 {
		parts = append(parts, plural(e.refused, "entry", "entries")+" refused")
	}
	if e.failed > 0 {
		parts = append(parts, plural(e.failed, "packet", "packets")+" failed")
	}
	if e.overQuota > 0 {
		parts = append(parts, plural(e.overQuota, "packet", "packets")+" left over the rx quota")
	}
	return strings.Join(parts, ", ")
}

func (e *incomplete) Is(target error) bool {
	return target == ErrSomeFailed || (target == spool.ErrQuotaFull && e.overQuota > 0)
}

// Err is nil when nothing was refused, failed or left over quota. It
// matches spool.ErrQuotaFull when a packet was left over quota.
func (st Stats) Err() error {
	if st.Refused == 0 && st.Failed == 0 && st.OverQuota == 0 {
		return nil
	}
	return &incomplete{st.Refused, st.Failed, st.OverQuota}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
