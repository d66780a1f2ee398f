package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"

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
	if g.debug || *fat {
		// The traced hashers read from the start: with --seek the
		// result is the same, the steps those of a fresh read.
		return hashTraced(g.Stdout, in, *fat, g.debug)
	}
	m := packet.NewMTHAt(*seek).Parallel() // a whole file: both cores
	if *seek > 0 {
		if _, err := f.Seek(*seek, io.SeekStart); err != nil {
			return fmt.Errorf("hash: %w", spool.WrapPath("seek", *file, err))
		}
	}
	if _, err := io.Copy(m, in); err != nil {
		return fmt.Errorf("hash: read: %w", err)
	}
	if *seek > 0 {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		if err := m.Prepend(f); err != nil {
			return fmt.Errorf("hash: %w", spool.WrapPath("", *file, err))
		}
	}
	sum := m.Sum()
	fmt.Fprintln(g.Stdout, hex.EncodeToString(sum[:]))
	return nil
}

// hashTraced prints the keys and every step (debug), then the root.
func hashTraced(w *output, in io.Reader, fat, debug bool) error {
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
	fmt.Fprintln(w, hex.EncodeToString(sum[:]))
	return nil
}
