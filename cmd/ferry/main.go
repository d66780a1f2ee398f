// Command ferry is a store-and-forward, delay-tolerant network tool that
// speaks NNCP 8.x. This package only wires the library packages together
// and is the one place that prints.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ferry-dtn/ferry/toss"
)

func main() {
	if os.Args[0] == toss.ClaimerName {
		os.Exit(serveClaims())
	}
	startProcs(os.Args) // procs.go
	os.Exit(mainCode(os.Args))
}

// mainCode runs ferry's command line (as ferry or as nncp-CMD) under the
// one context every command gets: cancelled by SIGINT or SIGTERM, so
// Ctrl-C stops each command the same way. A second signal, once the
// context is cancelled, kills the process as Go does by default.
func mainCode(argv []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Once cancelled, the default handlers are back: a second Ctrl-C
	// kills a command stuck where it cannot watch ctx (a read of the tty).
	defer context.AfterFunc(ctx, stop)()
	if name, ok := nncpName(argv[0]); ok {
		return runNNCP(ctx, name, argv[1:], osStreams())
	}
	return run(ctx, argv[1:], osStreams())
}

// run runs one ferry command line with the given standard streams and
// returns its exit code; tests call it in-process.
func run(ctx context.Context, args []string, s streams) int {
	if len(args) == 0 {
		usage(s.Stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if name == "help" && len(args) > 1 {
			if c := findCommand(args[1]); c != nil {
				return report(s.Stderr, c.name, outputErr(c.name, c.run(ctx, newGlobals(c, s), []string{"--help"}), s))
			}
		}
		usage(s.Stdout)
		return report(s.Stderr, name, outputErr("", nil, s))
	case "-V", "--version":
		fmt.Fprintln(s.Stdout, versionLine())
		return report(s.Stderr, name, outputErr("", nil, s))
	}
	c := findCommand(name)
	if c == nil {
		printErr(s.Stderr, usageErrorf("unknown command %q", name), hintf("run 'ferry help' for the list of commands"))
		return exitUsage
	}
	return report(s.Stderr, c.name, outputErr(c.name, c.run(ctx, newGlobals(c, s), args[1:]), s))
}

// outputErr is command name's result once its prints are counted: a
// command that did its work (or showed its help) but lost some of its
// output failed. name is empty for ferry's own --help and --version.
func outputErr(name string, err error, s streams) error {
	if err != nil && !errors.Is(err, errHelp) {
		return err
	}
	prefix := ""
	if name != "" {
		prefix = name + ": "
	}
	if e := s.Stdout.Err(); e != nil {
		return fmt.Errorf("%swrite stdout: %w", prefix, e)
	}
	if e := s.Stderr.Err(); e != nil {
		return fmt.Errorf("%swrite stderr: %w", prefix, e)
	}
	return err
}

func usage(w *output) {
	fmt.Fprintln(w, "usage: ferry COMMAND [options] [args]")
	fmt.Fprintln(w, "\nStore-and-forward file, mail and command transfer, compatible with NNCP 8.x.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ferry COMMAND --help' for a command's options, or see ferry(1).")
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == strings.ToLower(name) {
			return &commands[i]
		}
	}
	return nil
}
