package main

import (
	"io"
	"os"
	"strings"

	xterm "golang.org/x/term"
)

// streams are the standard files a command reads and writes. main gives
// it os.Stdin, os.Stdout and os.Stderr; tests that call run in-process
// give it buffers, so a command's output is checked without a process.
type streams struct {
	Stdin  io.Reader
	Stdout *output
	Stderr *output
}

func newStreams(stdin io.Reader, stdout, stderr io.Writer) streams {
	return streams{stdin, &output{w: stdout}, &output{w: stderr}}
}

func osStreams() streams { return newStreams(os.Stdin, os.Stdout, os.Stderr) }

// output is a command's stdout or stderr. It keeps the first write error,
// so that a command's many prints need no check each and yet a lost line
// fails the command: run reports it once the command returns (a full
// disk under `ferry stat >file`). After an error it writes nothing more,
// so no later line lands after a gap.
type output struct {
	w   io.Writer
	err error
}

func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Err is the first write error, nil when every write went through.
func (o *output) Err() error { return o.err }

// terminalFd is the descriptor of x when x is a file open on a terminal.
func terminalFd(x any) (int, bool) {
	if o, ok := x.(*output); ok {
		x = o.w
	}
	f, ok := x.(*os.File)
	if !ok || f == nil || !xterm.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

// noStreams are for runs that only build a command's flag set and must
// neither read nor print.
func noStreams() streams { return newStreams(strings.NewReader(""), io.Discard, io.Discard) }
