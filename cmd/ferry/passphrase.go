package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	xterm "golang.org/x/term"
)

// Passphrases for encrypted configs (nncp-cfgenc eblobs). NNCP prints
// "Passphrase:" on stderr and reads the answer without echo from the
// terminal on stdin, and fails when stdin is not a terminal. ferry asks
// the same way; where stdin is not a terminal it asks on the controlling
// terminal (/dev/tty) instead, so `ferry exec ... < mail` works with an
// encrypted config, and fails with a hint when there is no terminal at
// all (a daemon, cron). Only `ferry cfgenc` reads a passphrase line from
// a non-terminal stdin, which there carries nothing else.

var errNoTerminal = errors.New("the config is encrypted and there is no terminal to ask for its passphrase")

// configPassphrase asks for the passphrase of an encrypted config.
func (g *globals) configPassphrase() ([]byte, error) {
	if fd, ok := terminalFd(g.Stdin); ok {
		return promptOn(fd, g.Stderr, "Passphrase:")
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, withHint(errNoTerminal, "decrypt it once with 'ferry cfgenc -d FILE > PLAIN' where the config is safe to keep plain, or run on a terminal")
	}
	defer func() { _ = tty.Close() }() // a terminal: a failed close loses nothing
	return promptOn(int(tty.Fd()), tty, "Passphrase:")
}

// promptOn prints the prompt and reads a line from the terminal fd
// without echo.
func promptOn(fd int, w io.Writer, prompt string) ([]byte, error) {
	if _, err := io.WriteString(w, prompt); err != nil {
		return nil, fmt.Errorf("passphrase prompt: %w", err)
	}
	p, err := xterm.ReadPassword(fd)
	if _, werr := io.WriteString(w, "\n"); err == nil && werr != nil {
		return nil, fmt.Errorf("passphrase prompt: %w", werr)
	}
	return p, err
}

// stdinPassphrase reads one line from stdin, byte by byte so that
// nothing after it is consumed; the line ending is not part of it.
func stdinPassphrase(r io.Reader) ([]byte, error) {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		if err == io.EOF {
			if len(line) == 0 {
				return nil, errors.New("no passphrase on stdin")
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return bytes.TrimSuffix(line, []byte("\r")), nil
}
