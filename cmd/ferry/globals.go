package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/cfg"
)

// globals are the options every subcommand accepts, resolved as: flag on
// the command line, then environment (NNCPCFG, NNCPSPOOL, NNCPLOG), then
// the config file, then NNCP's defaults.
type globals struct {
	streams // where the command reads and writes: os.* in main

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

	// nncp is set when ferry runs as nncp-CMD: commands whose text
	// output scripts read print it in NNCP's layout.
	nncp bool
	// parseOnly makes parse stop with errParsed once the flags are read
	// (the flag table test runs every command this way).
	parseOnly bool
	deadline  time.Duration // NNCPDEADLINE; 0: the libraries' defaults
	// held, when set, keeps echoed log lines back for one write per
	// batch (ferry rm); flushEcho writes them.
	held *heldLines

	fs               *pflag.FlagSet
	minArgs, maxArgs int  // positional arguments accepted; maxArgs < 0: any number
	stopAtPositional bool // flags end at the first argument (exec's remote argv)
}

func newGlobals(c *command, s streams) *globals {
	return &globals{streams: s, cmd: c.name, summary: c.summary, noSync: os.Getenv("NNCPNOSYNC") != "", deadline: envDeadline()}
}

// flags returns the command's flag set with the common options on it.
func (g *globals) flags(usageLine string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(g.cmd, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&g.cfgPath, "cfg", os.Getenv("NNCPCFG"), "configuration `FILE` (env NNCPCFG; default the first of "+strings.Join(cfgSearchPath(), ", ")+" that exists)")
	fs.StringVar(&g.spool, "spool", os.Getenv("NNCPSPOOL"), "spool `DIR`, overriding the config (env NNCPSPOOL)")
	fs.StringVar(&g.log, "log", os.Getenv("NNCPLOG"), "log `FILE` or FD:n, overriding the config (env NNCPLOG)")
	fs.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors")
	fs.BoolVar(&g.progress, "progress", false, "show progress even when not on a terminal")
	fs.BoolVar(&g.noProgress, "noprogress", false, "never show progress")
	fs.BoolVar(&g.debug, "debug", false, "print debug messages")
	fs.BoolVar(&g.version, "version", false, "print the version and exit")
	fs.BoolVarP(&g.help, "help", "h", false, "show this help")
	fs.Usage = func() {
		fmt.Fprintf(g.Stdout, "usage: ferry %s %s\n\n", g.cmd, usageLine)
		fmt.Fprintf(g.Stdout, "%s.\n\nOptions:\n", g.summary)
		fmt.Fprint(g.Stdout, fs.FlagUsages())
		fmt.Fprintf(g.Stdout, "\nSee ferry-%s(1).\n", g.cmd)
	}
	g.fs = fs
	g.minArgs, g.maxArgs = 0, 0
	return fs
}

// takesArgs declares the positional arguments the command accepts
// (max < 0: any number); without it a command takes none.
func (g *globals) takesArgs(min, max int) { g.minArgs, g.maxArgs = min, max }

// interspersedOff ends the flags at the first positional argument, for
// commands whose later arguments belong to someone else.
func (g *globals) interspersedOff() {
	g.fs.SetInterspersed(false)
	g.stopAtPositional = true
}

// errParsed ends a parseOnly run after the flags were read.
var errParsed = errors.New("flags parsed")

// parse parses args; it returns errHelp after printing help or the
// version. NNCP's single-dash long flags are refused before pflag sees
// them, and so are positional arguments the command does not take.
func (g *globals) parse(args []string) error {
	if g.describe {
		return errDescribed
	}
	if err := refuseSingleDash(g.fs, args, g.stopAtPositional); err != nil {
		return err
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
		fmt.Fprintln(g.Stdout, versionLine())
		return errHelp
	}
	if g.parseOnly {
		return errParsed
	}
	n := g.fs.NArg()
	if g.maxArgs >= 0 && n > g.maxArgs {
		return usageErrorf("unexpected argument %q", g.fs.Arg(g.maxArgs))
	}
	if n < g.minArgs {
		return usageErrorf("missing argument: want %s", g.usageArgs())
	}
	return nil
}

// usageArgs is what the usage line says about arguments.
func (g *globals) usageArgs() string {
	if g.minArgs == 1 && g.maxArgs == 1 {
		return "one argument"
	}
	return fmt.Sprintf("at least %d arguments", g.minArgs)
}

// resolveCfg fills in the config path when neither --cfg nor NNCPCFG
// gave one: the first that exists on the search path.
func (g *globals) resolveCfg() error {
	if g.cfgPath != "" {
		return nil
	}
	p, err := findCfg()
	if err != nil {
		return err
	}
	g.cfgPath = p
	return nil
}

// config loads the configuration and applies the spool/log overrides.
func (g *globals) config() (*cfg.Config, error) {
	if err := g.resolveCfg(); err != nil {
		return nil, err
	}
	c, err := cfg.Load(g.cfgPath, cfg.LoadOptions{Passphrase: g.configPassphrase, OnlineDeadline: g.deadline})
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
			fmt.Fprintf(g.Stderr, "ferry: warning: %s: %s\n", g.cfgPath, w)
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
	f, ok := g.Stderr.w.(*os.File)
	if !ok {
		return false // a buffer in an in-process test: no terminal
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
