package call

import (
	"fmt"
	"os"

	"github.com/ferry-dtn/ferry/packet"
)

// noHole refuses FILE data that would start past the end of what the
// .part holds. A download grows from where it was asked to start; a hole
// would let a few bytes from the peer stand for a sparse file of any
// size, which the receiver then hashes whole (a terabyte for one FILE).
func noHole(f *os.File, off int64, id packet.ID) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if off > fi.Size() {
		return fmt.Errorf("FILE for %s at offset %d leaves a hole after %d bytes", id, off, fi.Size())
	}
	return nil
}
