package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"ferry/packet"
	"ferry/spool"
)

func runHash(g *globals, args []string) error {
	fs := g.flags("[--file FILE] [--seek N]")
	file := fs.StringP("file", "f", "", "hash `FILE` instead of stdin")
	seek := fs.Int64("seek", 0, "start reading at `N` and hash the skipped prefix afterwards, as a resumed download does (needs --file)")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	var (
		in  io.Reader = os.Stdin
		f   *os.File
		err error
	)
	if *file != "" {
		if f, err = os.Open(*file); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		defer f.Close()
		in = f
	}
	if *seek < 0 || (*seek > 0 && f == nil) {
		return usageErrorf("--seek needs --file and a non-negative offset")
	}
	m := packet.NewMTHAt(*seek)
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
	fmt.Println(hex.EncodeToString(sum[:]))
	return nil
}
