package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"time"
)

// Dial connects to addr: "host:port" over TCP, or "|command" to talk
// through a program's stdin and stdout (e.g. "|ssh host ferry daemon
// --inetd"). A TCP connection must be made within DefaultDeadline.
func Dial(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
	return DialTimeout(ctx, addr, DefaultDeadline)
}

// DialTimeout is Dial with a TCP connection made within timeout.
func DialTimeout(ctx context.Context, addr string, timeout time.Duration) (io.ReadWriteCloser, error) {
	if cmdline, ok := strings.CutPrefix(addr, "|"); ok {
		return dialCommand(cmdline)
	}
	d := net.Dialer{Timeout: timeout}
	return d.DialContext(ctx, "tcp", addr)
}

type cmdConn struct {
	io.Reader
	io.WriteCloser
	cmd *exec.Cmd
}

// Close closes both pipes and gives the program 10 s to leave. Its error
// is the pipes' and the program's exit (killed, when it did not leave).
func (c *cmdConn) Close() error {
	errs := []error{c.WriteCloser.Close()}
	if rc, ok := c.Reader.(io.Closer); ok {
		errs = append(errs, rc.Close())
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill() // fails only if it has just left: Wait says how
		<-done
	}
	return errors.Join(append(errs, waitErr)...)
}

func dialCommand(cmdline string) (io.ReadWriteCloser, error) {
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", cmdline, err)
	}
	return &cmdConn{Reader: out, WriteCloser: in, cmd: cmd}, nil
}
