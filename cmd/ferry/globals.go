package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"ferry/cfg"
)

// globals are the options every subcommand accepts, resolved as: flag on
// the command line, then environment (NNCPCFG, NNCPSPOOL, NNCPLOG), then
// the config file, then NNCP's defaults.
type globals struct {
	cmd        string
	summary    string
	cfgPath    string
	spool      string
	log        string
	quiet      bool
	progress   bool
	noProgress bool
	debug      bool
	version    bool
	help       bool
	noSync     bool

	// describe makes parse stop before parsing, so completion can read
	// a command's real flag set without running the command.
	describe bool

	fs *pflag.FlagSet
}

func newGlobals(c *command) *globals {
	return &globals{cmd: c.name, summary: c.summary, noSync: os.Getenv("NNCPNOSYNC") != ""}
}

// flags returns the command's flag set with the common options on it.
func (g *globals) flags(usageLine string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(g.cmd, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&g.cfgPath, "cfg", envOr("NNCPCFG", cfg.DefaultCfgPath), "configuration `FILE` (env NNCPCFG)")
	fs.StringVar(&g.spool, "spool", os.Getenv("NNCPSPOOL"), "spool `DIR`, overriding the config (env NNCPSPOOL)")
	fs.StringVar(&g.log, "log", os.Getenv("NNCPLOG"), "log `FILE` or FD:n, overriding the config (env NNCPLOG)")
	fs.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors")
	fs.BoolVar(&g.progress, "progress", false, "show progress even when not on a terminal")
	fs.BoolVar(&g.noProgress, "noprogress", false, "never show progress")
	fs.BoolVar(&g.debug, "debug", false, "print debug messages")
	fs.BoolVar(&g.version, "version", false, "print the version and exit")
	fs.BoolVarP(&g.help, "help", "h", false, "show this help")
	fs.Usage = func() {
		fmt.Fprintf(os.Stdout, "usage: ferry %s %s\n\n", g.cmd, usageLine)
		fmt.Fprintf(os.Stdout, "%s.\n\nOptions:\n", g.summary)
		fmt.Fprint(os.Stdout, fs.FlagUsages())
		fmt.Fprintf(os.Stdout, "\nSee ferry-%s(1).\n", g.cmd)
	}
	g.fs = fs
	return fs
}

// parse parses args; it returns errHelp after printing help or the version.
func (g *globals) parse(args []string) error {
	if g.describe {
		return errDescribed
	}
	if err := g.fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return errHelp
		}
		return &usageError{err.Error()}
	}
	if g.help {
		g.fs.Usage()
		return errHelp
	}
	if g.version {
		fmt.Println(versionLine())
		return errHelp
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// config loads the configuration and applies the spool/log overrides.
func (g *globals) config() (*cfg.Config, error) {
	c, err := cfg.Load(g.cfgPath, cfg.LoadOptions{Passphrase: configPassphrase})
	if err != nil {
		if os.IsNotExist(err) {
			return nil, withHint(fmt.Errorf("load config: %w", err), "give --cfg FILE or set NNCPCFG; 'ferry cfgnew > FILE' makes one")
		}
		return nil, fmt.Errorf("load config: %w", err)
	}
	// On stderr, so that commands whose stdout is a config (cfgmin)
	// keep it clean; --quiet asks for errors only.
	for _, w := range c.Warnings {
		if !g.quiet {
			fmt.Fprintf(os.Stderr, "ferry: warning: %s: %s\n", g.cfgPath, w)
		}
	}
	if g.spool != "" {
		c.Spool = g.spool
	}
	if g.log != "" {
		c.Log = g.log
	}
	return c, nil
}

// showProgress: on a terminal unless told otherwise.
func (g *globals) showProgress(c *cfg.Config) bool {
	switch {
	case g.noProgress || g.quiet:
		return false
	case g.progress:
		return true
	case c != nil && c.NoProgress:
		return false
	}
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
