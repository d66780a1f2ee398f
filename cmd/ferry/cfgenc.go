package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/cfg/balloon"
)

// runCfgenc is nncp-cfgenc: encrypt a config under a passphrase into an
// eblob, decrypt one (-d), or describe one (--dump).
func runCfgenc(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[-s BLOCKS] [-t ROUNDS] [-p JOBS] FILE > FILE.eblob | -d FILE.eblob > FILE | --dump FILE.eblob")
	g.takesArgs(0, 1)
	decrypt := fs.BoolP("decrypt", "d", false, "decrypt the eblob FILE to stdout")
	dump := fs.Bool("dump", false, "describe the eblob FILE: its balloon costs and size")
	space := fs.Uint32P("space-cost", "s", cfg.DefaultEBlobSpace, "balloon space cost, in `BLOCKS` of 32 bytes per job")
	rounds := fs.Uint32P("time-cost", "t", cfg.DefaultEBlobTime, "balloon time cost, in `ROUNDS`")
	jobs := fs.Uint32P("parallel", "p", cfg.DefaultEBlobJobs, "balloon parallel `JOBS`")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one FILE, got %d arguments", fs.NArg())
	}
	if *decrypt && *dump {
		return usageErrorf("-d and --dump exclude each other")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cfgenc: %w", err)
	}
	switch {
	case *dump:
		e, err := cfg.ParseEBlob(data)
		if err != nil {
			return fmt.Errorf("cfgenc %s: %w", path, err)
		}
		// The lines nncp-cfgenc -dump prints.
		fmt.Fprintln(g.Stdout, "Strengthening function: Balloon with BLAKE2b-256")
		fmt.Fprintf(g.Stdout, "Memory space cost: %d bytes\n", uint64(e.Space)*balloon.Size)
		fmt.Fprintf(g.Stdout, "Number of rounds: %d\n", e.Time)
		fmt.Fprintf(g.Stdout, "Number of parallel jobs: %d\n", e.Jobs)
		fmt.Fprintf(g.Stdout, "Blob size: %d\n", len(e.Blob))
		return nil
	case *decrypt:
		e, err := cfg.ParseEBlob(data)
		if err != nil {
			return fmt.Errorf("cfgenc %s: %w", path, err)
		}
		pass, err := g.cfgencPassphrase(false)
		if err != nil {
			return fmt.Errorf("cfgenc %s: read passphrase: %w", path, err)
		}
		plain, err := e.Open(pass)
		if err != nil {
			return fmt.Errorf("cfgenc %s: %w", path, err)
		}
		_, err = g.Stdout.Write(plain)
		return err
	}
	cost := cfg.EBlobCost{Space: *space, Time: *rounds, Jobs: *jobs}
	if err := cost.Check(); err != nil {
		return usageErrorf("%v", err)
	}
	if cfg.IsEBlob(data) {
		return withHint(fmt.Errorf("cfgenc %s: already encrypted", path), "decrypt it with 'ferry cfgenc -d %s'", path)
	}
	pass, err := g.cfgencPassphrase(true)
	if err != nil {
		return fmt.Errorf("cfgenc: read passphrase: %w", err)
	}
	out, err := cfg.EncryptEBlob(data, pass, cost, nil)
	if err != nil {
		return fmt.Errorf("cfgenc %s: %w", path, err)
	}
	_, err = g.Stdout.Write(out)
	return err
}

// cfgencPassphrase asks on the terminal as nncp-cfgenc does, twice when
// encrypting; a non-terminal stdin gives it as its first line, once.
func (g *globals) cfgencPassphrase(repeat bool) ([]byte, error) {
	fd, ok := terminalFd(g.Stdin)
	if !ok {
		return stdinPassphrase(g.Stdin)
	}
	p1, err := promptOn(fd, g.Stderr, "Passphrase:")
	if err != nil || !repeat {
		return p1, err
	}
	p2, err := promptOn(fd, g.Stderr, "Repeat passphrase:")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p1, p2) {
		return nil, errors.New("passphrases do not match")
	}
	return p1, nil
}
