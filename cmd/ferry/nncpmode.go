package main

// Multi-call mode: started as nncp-CMD (a symlink or hard link to ferry),
// ferry takes that NNCP 8.8.2 command's command line and runs its own
// command for it.
//
//	argv ──stdlib flag, the tool's table──▶ NNCP flags set ──translate──▶ ferry argv ──▶ ferry's run function
//
// Parsing with Go's flag package gives NNCP's syntax exactly (-flag,
// --flag, -flag=value, -flag value; flags end at the first argument);
// the translation states in one place where NNCP's meaning differs from
// ferry's (bundle -tx keeps unless -delete, cronexpr's ten times, ...).
// Exit status as NNCP: 2 for a flag it cannot parse, 0 for -h, 1 for
// any other failure, except that a sending command that queued nothing
// for a temporary reason exits 75 as ferry's own do (tempfail.go).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

const nncpVersion = "8.8.2"

// nncpName returns CMD when ferry runs as nncp-CMD.
func nncpName(argv0 string) (string, bool) {
	base := argv0
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	return strings.CutPrefix(base, "nncp-")
}

// runNNCP runs ferry as nncp-name with NNCP's arguments.
func runNNCP(ctx context.Context, name string, args []string, s streams) int {
	tool := findNNCPTool(name)
	if tool == nil {
		printErr(s.Stderr, fmt.Errorf("nncp-%s: not an NNCP %s command ferry stands in for", name, nncpVersion),
			hintf("'ferry links --list' names the ones it does"))
		return exitFailure
	}
	c := findCommand(tool.ferry)
	if c == nil {
		printErr(s.Stderr, fmt.Errorf("nncp-%s: not supported by this ferry", name))
		return exitFailure
	}
	ferryArgs, code, err := nncpToFerry(tool, args, s)
	if err != nil {
		printErr(s.Stderr, fmt.Errorf("nncp-%s: %w", name, err))
		return exitFailure
	}
	if ferryArgs == nil {
		if err := outputErr("", nil, s); err != nil && code == exitOK {
			printErr(s.Stderr, fmt.Errorf("nncp-%s: %w", name, err))
			return exitFailure
		}
		return code
	}
	g := newGlobals(c, s)
	g.nncp = true
	if err := outputErr("", c.run(ctx, g, ferryArgs), s); err != nil && !errors.Is(err, errHelp) {
		printErr(s.Stderr, fmt.Errorf("nncp-%s: %w", name, err))
		if tempFailure(c.name, err) {
			// NNCP exits 1 here too, which makes an MTA piping mail
			// into nncp-exec bounce it; 75 makes it retry.
			return exitTempFail
		}
		return exitFailure // NNCP exits 1 for every other failure past flag parsing
	}
	return exitOK
}

// tableDefault is a numeric flag's default from an NNCP flag table, zero
// when the table gives none. A default that does not parse is a mistake
// in ferry's own tables, which the flag table test runs through.
func tableDefault[T any](s nncpFlagSpec, parse func(string) (T, error)) (T, error) {
	var zero T
	if s.def == "" {
		return zero, nil
	}
	v, err := parse(s.def)
	if err != nil {
		return zero, fmt.Errorf("flag table: -%s default %q: %w", s.name, s.def, err)
	}
	return v, nil
}

// nncpToFerry parses args as the NNCP tool does and returns ferry's
// arguments; none when nothing is left to run (help, version, warranty,
// a flag error already printed), with the exit code. An error is an
// NNCP option ferry does not support.
func nncpToFerry(tool *nncpTool, args []string, s streams) (out []string, code int, err error) {
	stderr := s.Stderr
	fs := flag.NewFlagSet("nncp-"+tool.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	specs := tool.specs()
	help := ferryFlagHelp(tool.ferry)
	for _, s := range specs {
		switch s.kind {
		case "b":
			fs.Bool(s.name, false, help[s.name])
		case "i":
			def, err := tableDefault(s, func(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) })
			if err != nil {
				return nil, exitFailure, err
			}
			fs.Int64(s.name, def, help[s.name])
		case "u":
			def, err := tableDefault(s, func(v string) (uint64, error) { return strconv.ParseUint(v, 10, 64) })
			if err != nil {
				return nil, exitFailure, err
			}
			fs.Uint64(s.name, def, help[s.name])
		default:
			fs.String(s.name, s.def, help[s.name])
		}
	}
	version := fs.Bool("version", false, "Print version information")
	warranty := fs.Bool("warranty", false, "Print warranty information")
	fs.Usage = func() {
		fmt.Fprintln(stderr, strings.TrimSpace(fmt.Sprintf("Usage: nncp-%s [options] %s", tool.name, tool.usage)))
		fmt.Fprintf(stderr, "ferry %s standing in for NNCP %s's nncp-%s: see ferry(1) and ferry-%s(1).\nOptions:\n",
			Version(), nncpVersion, tool.name, tool.ferry)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK, nil
		}
		return nil, exitUsage, nil // flag printed the error and usage
	}
	if *warranty {
		fmt.Fprintln(s.Stdout, warrantyText)
		return nil, exitOK, nil
	}
	if *version {
		fmt.Fprintf(s.Stdout, "ferry %s (as nncp-%s, compatible with NNCP %s)\n", Version(), tool.name, nncpVersion)
		return nil, exitOK, nil
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	// NNCPCFG wins over -cfg in NNCP (ferry's own --cfg wins over it),
	// except in nncp-cfgdir, which reads only -cfg: there an empty --cfg
	// keeps ferry's default from NNCPCFG out, and the search path applies.
	if v := os.Getenv("NNCPCFG"); v != "" && fs.Lookup("cfg") != nil {
		if _, given := set["cfg"]; tool.name != "cfgdir" {
			set["cfg"] = v
		} else if !given {
			set["cfg"] = ""
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		if n != "version" && n != "warranty" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		isBool := false
		for _, s := range specs {
			if s.name == n {
				isBool = s.kind == "b"
			}
		}
		out = append(out, ferryFlag(n, set[n], isBool))
	}
	if tool.translate != nil {
		if out, err = tool.translate(set, out); err != nil {
			return nil, exitFailure, err
		}
	}
	out = append(out, "--")
	return append(out, fs.Args()...), exitOK, nil
}

// ferryFlagHelp maps the ferry command's flags to their help text, so
// -h explains each NNCP flag with the words of the flag it becomes.
func ferryFlagHelp(name string) map[string]string {
	out := map[string]string{}
	c := findCommand(name)
	if c == nil {
		return out
	}
	g := newGlobals(c, noStreams())
	g.parseOnly = true
	// The run stops at g.parse with errParsed: it only builds the flag set.
	if err := runFlagsOnly(c, g); !errors.Is(err, errParsed) {
		return out
	}
	if g.fs != nil {
		g.fs.VisitAll(func(f *pflag.Flag) {
			out[f.Name] = strings.ReplaceAll(f.Usage, "`", "")
		})
	}
	return out
}

const warrantyText = `ferry is distributed in the hope that it will be useful, but WITHOUT ANY
WARRANTY, to the extent permitted by applicable law; without even the
implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.`
