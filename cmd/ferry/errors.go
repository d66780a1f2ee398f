package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/call"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	// exitTempFail is EX_TEMPFAIL of sysexits.h: a sending command
	// queued nothing for a reason that passes (tempfail.go).
	exitTempFail = 75
)

// usageError marks a command-line mistake (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Sprintf(format, a...)}
}

// hinted carries a suggestion printed after the error.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err, fmt.Sprintf(format, a...)}
}

type hint string

func hintf(format string, a ...any) hint { return hint(fmt.Sprintf(format, a...)) }

// errHelp is returned after --help was printed.
var errHelp = errors.New("help shown")

func printErr(w *output, err error, hints ...hint) {
	fmt.Fprintf(w, "ferry: error: %s\n", strings.TrimSpace(err.Error()))
	var h *hinted
	if errors.As(err, &h) {
		fmt.Fprintf(w, "ferry: hint: %s\n", h.hint)
	}
	var hinter interface{ Hint() string } // errors that carry their own, such as call.NoAnswerError
	if errors.As(err, &hinter) {
		fmt.Fprintf(w, "ferry: hint: %s\n", hinter.Hint())
	}
	for _, s := range hints {
		fmt.Fprintf(w, "ferry: hint: %s\n", s)
	}
}

// report maps a command's result to output and an exit code, in one place.
func report(w *output, name string, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	var code exitStatus // the command printed its verdict (doctor): only the status is left
	if errors.As(err, &code) {
		return int(code)
	}
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, pflag.ErrHelp) {
		printErr(w, fmt.Errorf("%s: %w", name, err), hintf("run 'ferry %s --help'", name))
		return exitUsage
	}
	var se *call.SessionError
	if errors.As(err, &se) {
		// A call cut or left unfinished fails, as nncp-call's does.
		if !se.Left.Empty() {
			printErr(w, err, hintf("nothing is lost: the packets stay queued, downloads stay as .part, and the next call resumes them"))
		} else {
			printErr(w, err)
		}
		return exitFailure
	}
	var te *trackExit // track --wait's verdict
	if errors.As(err, &te) {
		printErr(w, err)
		return te.code
	}
	if tempFailure(name, err) {
		printErr(w, err, hintf("nothing was queued; this failure is temporary (exit %d): try again later", exitTempFail))
		return exitTempFail
	}
	printErr(w, err)
	return exitFailure
}
