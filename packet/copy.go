package packet

import "io"

// CopyBufSize is the buffer bulk copies use: one block. Measured here,
// copying a file through 128 KiB buffers is 3x faster than through 1 MiB
// ones: the buffer stays in the CPU cache between read and write.
const CopyBufSize = BlockSize

// Copy copies src to dst through a CopyBufSize buffer. It hides WriterTo
// and ReaderFrom, whose generic fallbacks use 32 KiB buffers.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, CopyBufSize))
}
