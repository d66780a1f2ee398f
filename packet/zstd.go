package packet

import (
	"io"

	"github.com/klauspost/compress/zstd"
)

// NewExecCompressor compresses an exec body the way NNCP does: default
// level, 8 MiB window, content checksum, no content size. One goroutine,
// so memory stays bounded.
func NewExecCompressor(w io.Writer) (io.WriteCloser, error) {
	return zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithWindowSize(8<<20),
		zstd.WithEncoderCRC(true),
		zstd.WithEncoderConcurrency(1),
	)
}

type zstdReadCloser struct{ *zstd.Decoder }

func (z zstdReadCloser) Close() error { z.Decoder.Close(); return nil }

// NewExecDecompressor decodes any standard zstd stream (concatenated
// frames too) within the library's default window and size limits.
func NewExecDecompressor(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	return zstdReadCloser{d}, nil
}
