package call

import (
	"context"
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

// Close closes both pipes and gives the program 10 s to leave.
func (c *cmdConn) Close() error {
	c.WriteCloser.Close()
	if rc, ok := c.Reader.(io.Closer); ok {
		rc.Close()
	}
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	return nil
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
