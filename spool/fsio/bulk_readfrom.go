package fsio

import (
	"io"
	"os"
)

// readFromBuf is the buffer ReadFrom reads through until the pipeline
// runs (the first directAfter bytes, or all of a StayCached writer's):
// one packet block, which stays in the CPU cache between read and write.
const readFromBuf = 128 << 10

// ReadFrom writes what r yields up to its end, as Write would, but once
// the pipeline runs it reads straight into the chunk being filled: one
// copy of each byte fewer than through a caller's buffer. A reader that
// decrypts into the buffer it is given (packet.Reader, for a read of a
// block or more) then writes each byte where the disk reads it from. A
// read error is returned as it is; Finish or Abort follow as after Write.
func (w *BulkWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var buf []byte
	for {
		if w.finished {
			return n, os.ErrClosed
		}
		var k int
		var err error
		if w.piped {
			if ferr := w.failed(); ferr != nil {
				return n, ferr
			}
			k, err = r.Read(w.cur[len(w.cur):cap(w.cur)])
			w.cur = w.cur[:len(w.cur)+k]
			n += int64(k)
			if len(w.cur) == cap(w.cur) {
				w.first <- chunk{w.cur, w.off}
				w.off += int64(len(w.cur))
				w.cur = <-w.free
			}
		} else {
			if buf == nil {
				buf = make([]byte, readFromBuf)
			}
			k, err = r.Read(buf)
			if k > 0 {
				m, werr := w.Write(buf[:k]) // starts the pipeline where it is due
				n += int64(m)
				if werr != nil {
					return n, werr
				}
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
