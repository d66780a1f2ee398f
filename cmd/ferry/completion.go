package main

// `ferry completion bash|zsh` prints a completion script. Nothing in it is
// written by hand: the commands come from the command table and each
// command's flags from the flag set the command itself builds, so a new
// command or flag completes as soon as it exists.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/pflag"
)

// errDescribed is what a command returns when its globals only asked for
// its flag set (globals.describe).
var errDescribed = errors.New("flag set described")

// The completion command is added to the table here rather than in
// commands.go: it reads the table, and a table entry that refers to a
// function reading the table is an initialisation cycle.
func init() {
	commands = append(commands, command{"completion", "print a bash or zsh completion script", runCompletion})
}

var completionShells = map[string]func(*output, []cmdSpec){"bash": writeBash, "zsh": writeZsh}

func runCompletion(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("bash|zsh")
	g.takesArgs(1, 1)
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || completionShells[fs.Arg(0)] == nil {
		return usageErrorf("want one shell: bash or zsh")
	}
	specs, err := describeCommands()
	if err != nil {
		return err
	}
	completionShells[fs.Arg(0)](g.Stdout, specs)
	return nil
}

// argKind says what a flag's value is, from its placeholder (`FILE`).
type argKind int

const (
	argNone  argKind = iota // a flag without a value
	argOther                // a value we cannot list: a node, a number
	argFile
	argDir
)

type flagSpec struct {
	long, short string
	arg         string // the placeholder, "" for argNone
	kind        argKind
	usage       string
	repeat      bool // may be given more than once
}

type cmdSpec struct {
	name, summary string
	flags         []flagSpec
	words         []string // fixed words for the arguments, if any
}

// safeWord is what may appear unquoted in a generated script (compiled
// on first use, not at every start).
var safeWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`) })

func describeCommands() ([]cmdSpec, error) {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	var specs []cmdSpec
	for i := range commands {
		c := &commands[i]
		flags, err := describeFlags(c)
		if err != nil {
			return nil, err
		}
		s := cmdSpec{name: c.name, summary: c.summary, flags: flags}
		switch c.name {
		case "completion":
			s.words = []string{"bash", "zsh"}
		case "neigh":
			s.words = []string{"export", "add", "set", "rm", "list"}
		}
		specs = append(specs, s)
	}
	// `ferry help COMMAND` is handled by main, not by the table.
	specs = append(specs, cmdSpec{name: "help", summary: "show the commands, or a command's options", words: names})
	for _, s := range specs {
		if !safeWord().MatchString(s.name) {
			return nil, fmt.Errorf("completion: command name %q is not a plain word", s.name)
		}
		for _, f := range s.flags {
			if !safeWord().MatchString(f.long) || (f.short != "" && !safeWord().MatchString(f.short)) {
				return nil, fmt.Errorf("completion: flag %q of %s is not a plain word", f.long, s.name)
			}
		}
	}
	return specs, nil
}

// describeFlags runs the command far enough to build its flag set.
func describeFlags(c *command) ([]flagSpec, error) {
	g := newGlobals(c, noStreams())
	g.describe = true
	if err := runFlagsOnly(c, g); !errors.Is(err, errDescribed) || g.fs == nil {
		return nil, fmt.Errorf("completion: command %s did not stop at its flag set (%v)", c.name, err)
	}
	var out []flagSpec
	g.fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		arg, usage := pflag.UnquoteUsage(f)
		s := flagSpec{long: f.Name, short: f.Shorthand, usage: usage}
		if arg != "" && f.NoOptDefVal == "" {
			s.arg = arg
			s.kind = kindOf(arg)
		}
		t := f.Value.Type()
		s.repeat = strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice")
		out = append(out, s)
	})
	return out, nil
}

func kindOf(placeholder string) argKind {
	switch p := strings.ToUpper(placeholder); {
	case strings.Contains(p, "DIR"):
		return argDir
	case strings.Contains(p, "FILE"), strings.Contains(p, "PATH"):
		return argFile
	}
	return argOther
}

func commandNames(specs []cmdSpec) string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return strings.Join(names, " ")
}
