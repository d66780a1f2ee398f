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
	Stdout io.Writer
	Stderr io.Writer
}

func osStreams() streams { return streams{os.Stdin, os.Stdout, os.Stderr} }

// terminalFd is the descriptor of x when x is a file open on a terminal.
func terminalFd(x any) (int, bool) {
	f, ok := x.(*os.File)
	if !ok || f == nil || !xterm.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

// noStreams are for runs that only build a command's flag set and must
// neither read nor print.
var noStreams = streams{strings.NewReader(""), io.Discard, io.Discard}
