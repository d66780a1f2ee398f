package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// A command whose output is lost fails, and says where: /dev/full takes
// no byte, as a full disk under `ferry stat >file` would.
func TestLostOutputFails(t *testing.T) {
	cfgPath := labCfg(t, "alice")
	for _, tc := range []struct {
		name string
		args []string
		want string // the error line's start
	}{
		{"cfgnew", []string{"cfgnew"}, "ferry: error: cfgnew: write stdout: "},
		{"version", []string{"--version"}, "ferry: error: write stdout: "},
		{"help", []string{"help"}, "ferry: error: write stdout: "},
		{"command help", []string{"stat", "--help"}, "ferry: error: stat: write stdout: "},
		{"stat", []string{"stat", "--cfg", cfgPath}, "ferry: error: stat: write stdout: "},
		{"cfgmin", []string{"cfgmin", "--cfg", cfgPath}, "ferry: error: cfgmin: write stdout: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skipf("no /dev/full to write to: %v", err)
			}
			defer func() { _ = full.Close() }()
			var errb bytes.Buffer
			code := run(context.Background(), tc.args, newStreams(strings.NewReader(""), full, &errb))
			if code != exitFailure {
				t.Errorf("exit %d with its output lost, want %d; stderr %q", code, exitFailure, errb.String())
			}
			if !strings.HasPrefix(errb.String(), tc.want) || !strings.Contains(errb.String(), "no space left on device") {
				t.Errorf("stderr %q, want a line starting %q naming the cause", errb.String(), tc.want)
			}
		})
	}
}

// After its first error an output writes nothing more, so no later
// line lands after a gap, and it keeps that first error.
func TestOutputKeepsFirstError(t *testing.T) {
	w := &flakyWriter{failAt: 2}
	o := &output{w: w}
	for i := range 4 {
		_, _ = o.Write([]byte{byte('a' + i)})
	}
	if got := w.buf.String(); got != "a" {
		t.Errorf("wrote %q, want only what came before the failure", got)
	}
	if o.Err() == nil || w.calls != 2 {
		t.Errorf("err %v after %d writes, want the second's error and no write after it", o.Err(), w.calls)
	}
}

// flakyWriter fails its failAt-th write and takes every other.
type flakyWriter struct {
	buf    bytes.Buffer
	calls  int
	failAt int
}

func (w *flakyWriter) Write(p []byte) (int, error) {
	w.calls++
	if w.calls == w.failAt {
		return 0, os.ErrClosed
	}
	return w.buf.Write(p)
}
