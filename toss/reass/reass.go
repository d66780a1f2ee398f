// Package reass rebuilds chunked files: FILE.nncp.meta plus
// FILE.nncp.chunk0..N-1 become FILE, every chunk checked against the hash
// in the meta. Unlike NNCP 8.8.2 it accepts files whose size is an exact
// multiple of the chunk size.
package reass

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// MetaSuffix ends every chunked file's meta name.
const MetaSuffix = ".nncp.meta"

// Options shape a reassembly.
type Options struct {
	DryRun bool      // check everything, write and remove nothing
	Keep   bool      // keep the chunks and the meta afterwards
	Stdout io.Writer // non-nil: write the file here instead of beside the meta
	NoSync bool
	Umask  uint32
	// Room, when set, is asked whether the file's bytes fit beside the
	// chunks before any is written (it may say no with an error).
	Room func(dir string, need int64) error
	// Progress, when set, is told how much of the file was rebuilt: one
	// job per meta, named after the file, over all its chunks.
	Progress packet.Progress
}

// ErrIncomplete is returned when chunks are missing.
var ErrIncomplete = errors.New("chunks missing")

func chunkPath(base string, i int) string { return base + ".nncp.chunk" + strconv.Itoa(i) }

// ReadMeta reads and parses a meta file.
func ReadMeta(metaPath string) (*packet.Meta, error) {
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return nil, err
	}
	return packet.ParseMeta(b)
}

// Complete reports whether the meta and every chunk it names are present
// with the right sizes (hashes are checked by Reass).
func Complete(metaPath string) bool {
	m, err := ReadMeta(metaPath)
	if err != nil {
		return false
	}
	return checkSizes(strings.TrimSuffix(metaPath, MetaSuffix), m) == nil
}

// expectedSize is chunk i's size: the chunk size, except the last which
// holds the rest, a full chunk when the size divides evenly.
func expectedSize(m *packet.Meta, i int) int64 {
	n := len(m.Checksums)
	if i < n-1 {
		return int64(m.ChunkSize)
	}
	return int64(m.FileSize) - int64(m.ChunkSize)*int64(n-1)
}

func checkSizes(base string, m *packet.Meta) error {
	n := len(m.Checksums)
	if n == 0 && m.FileSize != 0 || m.ChunkSize == 0 && m.FileSize != 0 {
		return fmt.Errorf("%s: meta declares %d bytes in %d chunks", base, m.FileSize, n)
	}
	if n > 0 && (m.FileSize > m.ChunkSize*uint64(n) || m.FileSize <= m.ChunkSize*uint64(n-1) && m.FileSize != 0) {
		return fmt.Errorf("%s: meta declares %d bytes in %d chunks of %d", base, m.FileSize, n, m.ChunkSize)
	}
	for i := range m.Checksums {
		fi, err := os.Stat(chunkPath(base, i))
		if err != nil {
			return fmt.Errorf("%s: chunk %d: %w", base, i, ErrIncomplete)
		}
		if want := expectedSize(m, i); fi.Size() != want {
			return fmt.Errorf("%s: chunk %d has %d bytes, want %d", base, i, fi.Size(), want)
		}
	}
	return nil
}

// Reass rebuilds the file a meta describes and returns its path ("" with
// Stdout or DryRun).
func Reass(metaPath string, opt Options) (string, error) {
	if !strings.HasSuffix(metaPath, MetaSuffix) {
		return "", fmt.Errorf("%s: not a %s file", metaPath, MetaSuffix)
	}
	base := strings.TrimSuffix(metaPath, MetaSuffix)
	m, err := ReadMeta(metaPath)
	if err != nil {
		return "", spool.WrapPath("", metaPath, err)
	}
	if err := checkSizes(base, m); err != nil {
		return "", err
	}
	var out io.Writer = io.Discard
	var fw *fsio.FileWriter
	switch {
	case opt.Stdout != nil:
		out = opt.Stdout
	case !opt.DryRun:
		if opt.Room != nil {
			if err := opt.Room(filepath.Dir(base), int64(m.FileSize)); err != nil {
				return "", fmt.Errorf("%s: %w", base, err)
			}
		}
		fw, err = fsio.NewFileWriter(filepath.Dir(base), filepath.Base(base), opt.Umask, opt.NoSync)
		if err != nil {
			return "", err
		}
		out = fw
	}
	fail := func(err error) (string, error) {
		if fw != nil {
			err = errors.Join(err, fw.Abort())
		}
		return "", err
	}
	meter := packet.NewProgressMeter(opt.Progress, filepath.Base(base), int64(m.FileSize))
	for i, want := range m.Checksums {
		f, err := os.Open(chunkPath(base, i))
		if err != nil {
			return fail(err)
		}
		h := packet.NewMTH()
		_, err = io.Copy(io.MultiWriter(out, h), meter.Reader(f))
		_ = f.Close() // read only
		if err != nil {
			return fail(err)
		}
		if h.Sum() != want {
			return fail(fmt.Errorf("%s: chunk %d: %w", base, i, spool.ErrHashMismatch))
		}
	}
	final := ""
	if fw != nil {
		if final, err = fw.Commit(); err != nil {
			return "", err
		}
	}
	meter.Finish()
	if !opt.Keep && !opt.DryRun {
		var errs []error
		for i := range m.Checksums {
			errs = append(errs, os.Remove(chunkPath(base, i)))
		}
		errs = append(errs, os.Remove(metaPath))
		if err := errors.Join(errs...); err != nil {
			// The file is whole; what is left is junk, and with one
			// chunk gone it is not reassembled a second time.
			return final, fmt.Errorf("reassembled, but not cleaned up: %w", err)
		}
	}
	return final, nil
}

// Find lists the meta files in dir and below.
func Find(dir string) ([]string, error) {
	var metas []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, MetaSuffix) {
			metas = append(metas, p)
		}
		return nil
	})
	return metas, err
}

// Describe renders a meta for people.
func Describe(m *packet.Meta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "File size: %d\nChunk size: %d\nChunks: %d\n", m.FileSize, m.ChunkSize, len(m.Checksums))
	for i, c := range m.Checksums {
		fmt.Fprintf(&b, "  %d: %x\n", i, c[:])
	}
	return b.String()
}
