package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func runHash(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--file FILE] [--seek N] [--force-fat] [--debug]")
	file := fs.StringP("file", "f", "", "hash `FILE` instead of stdin")
	seek := fs.Int64("seek", 0, "start reading at `N` and hash the skipped prefix afterwards, as a resumed download does (needs --file)")
	fat := fs.Bool("force-fat", false, "build the tree level by level, all leaves in memory (NNCP's reference order; same result)")
	if err := g.parse(args); err != nil {
		return err
	}
	var (
		in  io.Reader = g.Stdin
		f   *os.File
		err error
	)
	if *file != "" {
		if f, err = os.Open(*file); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		defer func() { _ = f.Close() }() // read only
		in = f
	}
	if *seek < 0 || (*seek > 0 && f == nil) {
		return usageErrorf("--seek needs --file and a non-negative offset")
	}
	var bar *jobBar
	if !g.debug { // --debug traces every step on stdout: no bar between them
		bar = g.jobProgress(nil)
		defer bar.end()
	}
	meter := hashMeter(bar, *file, in)
	if g.debug || *fat {
		// The traced hashers read from the start: with --seek the
		// result is the same, the steps those of a fresh read.
		return hashTraced(g.Stdout, meter.Reader(in), *fat, g.debug, meter)
	}
	m := packet.NewMTHAt(*seek).Parallel() // a whole file: both cores
	if err := hashFrom(m, f, *seek, in, meter); err != nil {
		return err
	}
	if *seek > 0 {
		// ReadAt left f's offset at 0, where the prefix starts.
		if err := m.Prepend(meter.Reader(f)); err != nil {
			return fmt.Errorf("hash: %w", spool.WrapPath("", *file, err))
		}
	}
	sum := m.Sum()
	meter.Finish()
	fmt.Fprintln(g.Stdout, hex.EncodeToString(sum[:]))
	return nil
}

// hashFrom hashes the input from seek on: a regular file with ReadAt,
// which lets both cores copy from the page cache as well as hash
// (packet.MTH.ReadAtFrom), anything else (a pipe, a device) as a stream.
// f is nil for stdin (seek is 0 then), which is a regular file too when
// redirected from one (ferry hash <FILE): read at offsets from where it
// stands, and left at its end as a stream read would leave it.
func hashFrom(m *packet.MTH, f *os.File, seek int64, in io.Reader, meter *packet.ProgressMeter) error {
	src, start := f, seek
	if sf, ok := in.(*os.File); ok && f == nil {
		if pos, err := sf.Seek(0, io.SeekCurrent); err == nil {
			src, start = sf, pos
		}
	}
	if src != nil && isRegular(src) {
		n, err := m.ReadAtFrom(src, start, meter)
		if err != nil {
			return fmt.Errorf("hash: read: %w", err)
		}
		if f == nil { // stdin: left at its end, as a stream read leaves it
			if _, err := src.Seek(start+n, io.SeekStart); err != nil {
				return fmt.Errorf("hash: stdin: %w", err)
			}
		}
		return nil
	}
	if seek > 0 {
		if _, err := f.Seek(seek, io.SeekStart); err != nil {
			return fmt.Errorf("hash: %w", spool.WrapPath("seek", f.Name(), err))
		}
	}
	if _, err := io.Copy(m, meter.Reader(in)); err != nil {
		return fmt.Errorf("hash: read: %w", err)
	}
	if seek > 0 {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
	}
	return nil
}

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// hashMeter counts what hash reads from in (the file, or stdin when name
// is empty) for the progress bar. A regular file's whole size is the
// total, the prefix a --seek skips included: it is hashed afterwards.
func hashMeter(bar *jobBar, name string, in io.Reader) *packet.ProgressMeter {
	if bar == nil {
		return nil
	}
	if name == "" {
		name = "stdin"
	}
	total := int64(-1)
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			total = fi.Size()
		}
	}
	return packet.NewProgressMeter(bar.progress(), filepath.Base(name), total)
}

// hashTraced prints the keys and every step (debug), then the root.
func hashTraced(w *output, in io.Reader, fat, debug bool, meter *packet.ProgressMeter) error {
	step := func(mthStep) {}
	if debug {
		fmt.Fprintln(w, "Leaf BLAKE3 key:", hex.EncodeToString(mthLeafKey[:]))
		fmt.Fprintln(w, "Node BLAKE3 key:", hex.EncodeToString(mthNodeKey[:]))
		step = func(s mthStep) { fmt.Fprintln(w, s) }
	}
	hasher := mthSequential
	if fat {
		hasher = mthFat
	}
	sum, err := hasher(in, step)
	if err != nil {
		return fmt.Errorf("hash: read: %w", err)
	}
	meter.Finish()
	fmt.Fprintln(w, hex.EncodeToString(sum[:]))
	return nil
}
