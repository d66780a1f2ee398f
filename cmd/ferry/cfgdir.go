package main

import (
	"context"
	"fmt"

	"github.com/ferry-dtn/ferry/cfg"
)

// runCfgdir is nncp-cfgdir: write the config (--cfg) into a directory,
// one file per key (--dump DIR), or read such a directory back and print
// it as Hjson (--load DIR). --cfg DIR loads a directory directly.
func runCfgdir(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("--dump DIR | --load DIR > FILE")
	g.takesArgs(0, 1)
	dump := fs.Bool("dump", false, "write the configuration (--cfg) into DIR, one file per key")
	load := fs.Bool("load", false, "read the configuration directory DIR and print it as Hjson")
	if err := g.parse(args); err != nil {
		return err
	}
	if *dump == *load {
		return usageErrorf("want exactly one of --dump and --load")
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one DIR, got %d arguments", fs.NArg())
	}
	dir := fs.Arg(0)
	if *dump {
		if err := g.resolveCfg(); err != nil {
			return err
		}
		data, err := cfg.ReadSource(g.cfgPath, cfg.LoadOptions{Passphrase: g.configPassphrase})
		if err != nil {
			return fmt.Errorf("cfgdir: load config: %w", err)
		}
		dropped, err := cfg.WriteDir(data, dir)
		if err != nil {
			return fmt.Errorf("cfgdir: dump %s into %s: %w", g.cfgPath, dir, err)
		}
		// Keys NNCP ignores too (nncp-cfgdir drops them the same), but
		// a dump that loses a line of the config must say so, as the
		// loader does of the same keys.
		for _, w := range dropped {
			if !g.quiet {
				fmt.Fprintf(g.Stderr, "ferry: warning: %s: %s\n", g.cfgPath, w)
			}
		}
		return nil
	}
	data, err := cfg.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cfgdir: load %s: %w", dir, err)
	}
	if _, err := cfg.Parse(data); err != nil {
		return fmt.Errorf("cfgdir: load %s: %w", dir, err)
	}
	text, err := cfg.FormatHjson(data)
	if err != nil {
		return fmt.Errorf("cfgdir: load %s: %w", dir, err)
	}
	_, err = g.Stdout.Write(text)
	return err
}
