package packet

import "io"

// CopyBufSize is the buffer bulk copies use: large enough that the per-call
// cost of sealing, hashing and system calls stays small.
const CopyBufSize = 1 << 20

// Copy copies src to dst through a CopyBufSize buffer. It hides WriterTo
// and ReaderFrom, whose generic fallbacks use 32 KiB buffers.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, CopyBufSize))
}
