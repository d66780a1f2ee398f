package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// runLinks makes DIR/nncp-CMD links to ferry for every NNCP command
// ferry stands in for, so scripts written for NNCP run unchanged.
func runLinks(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--target PATH] [--hard] [--force] DIR | --list")
	g.takesArgs(0, 1)
	target := fs.String("target", "", "what the links point to (default: this ferry binary); a relative `PATH` is kept as given, e.g. ferry for links next to it")
	hard := fs.Bool("hard", false, "make hard links instead of symbolic ones")
	force := fs.Bool("force", false, "replace existing files of the same names")
	list := fs.Bool("list", false, "only print the names the links would have")
	if err := g.parse(args); err != nil {
		return err
	}
	names := linkNames()
	if *list {
		for _, n := range names {
			fmt.Fprintln(g.Stdout, n)
		}
		return nil
	}
	if fs.NArg() != 1 {
		return usageErrorf("want the DIR to make the links in")
	}
	dir := fs.Arg(0)
	to := *target
	if to == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("links: find this binary: %w", err)
		}
		if to, err = filepath.EvalSymlinks(exe); err != nil {
			return fmt.Errorf("links: %w", err)
		}
	}
	if *hard && !filepath.IsAbs(to) {
		to = filepath.Join(dir, to)
	}
	var errs []error
	var existing []string
	made := 0
	for _, n := range names {
		p := filepath.Join(dir, n)
		if *force {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("links: %w", err))
				continue
			}
		}
		var err error
		if *hard {
			err = os.Link(to, p)
		} else {
			err = os.Symlink(to, p)
		}
		switch {
		case errors.Is(err, os.ErrExist):
			existing = append(existing, n)
		case err != nil:
			errs = append(errs, fmt.Errorf("links: %w", err))
		default:
			made++
		}
	}
	if !g.quiet {
		fmt.Fprintf(g.Stderr, "%d links to %s in %s\n", made, to, dir)
	}
	if len(existing) > 0 {
		errs = append(errs, withHint(fmt.Errorf("links: %d names already exist in %s, left alone: %s", len(existing), dir, strings.Join(existing, " ")),
			"--force replaces them (an installed NNCP, perhaps)"))
	}
	for i, e := range errs {
		if i == len(errs)-1 {
			return e
		}
		printErr(g.Stderr, e)
	}
	return nil
}

// linkNames lists nncp-CMD for every NNCP command ferry has.
func linkNames() []string {
	var out []string
	for _, t := range nncpTools {
		if findCommand(t.ferry) != nil {
			out = append(out, "nncp-"+t.name)
		}
	}
	return out
}

// links is registered here: its run function reads the command table,
// which a table entry cannot refer to while being initialised.
func init() {
	commands = append(commands, command{"links", "make nncp-* links so NNCP's command lines run ferry", runLinks})
}
