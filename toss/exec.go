package toss

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"ferry/packet"
)

// maxExecOutput bounds the handler output kept for the log and the mail.
const maxExecOutput = 64 << 10

// exec runs a listed handler with the body on stdin and an environment of
// only NNCP_SELF, NNCP_SENDER and NNCP_NICE, as NNCP does.
//
// The whole packet is decrypted into the spool's tmp/ first, so a forged
// or damaged tail never reaches a handler. A durable "started" marker,
// written before the handler runs, makes a crash after that point skip
// the command instead of running it twice.
func (t *Tosser) exec(o *origin, ph packet.PlainHeader, r io.Reader) error {
	parts := strings.Split(string(ph.Path), "\x00")
	handle, args := parts[0], parts[1:]
	argv, ok := o.exec[handle]
	if !ok || len(argv) == 0 {
		drain(r)
		return refused("exec from %s: handle %q is not listed", o.name, handle)
	}
	body, err := os.CreateTemp(t.sp.TmpDir(), "ferryexec")
	if err != nil {
		return err
	}
	defer os.Remove(body.Name())
	defer body.Close()
	if _, err := io.Copy(body, r); err != nil {
		return err
	}
	if t.opt.DryRun {
		return nil
	}
	marker := filepath.Join(t.sp.QueueDir(o.dirNode(), "rx"), "ferry-exec", o.pktID.String())
	if _, err := os.Stat(marker); err == nil {
		t.log.Error("exec was started before an interruption; not run again",
			"who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "handle", handle)
		return nil
	}
	if err := durableTouch(marker, t.sp.NoSync()); err != nil {
		return fmt.Errorf("exec marker: %w", err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var stdin io.Reader = body
	if ph.Type == packet.TypeExec {
		z, err := packet.NewExecDecompressor(body)
		if err != nil {
			os.Remove(marker)
			return refused("exec body: %v", err)
		}
		defer z.Close()
		stdin = z
	}
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), args...)...)
	cmd.Env = []string{
		"NNCP_SELF=" + t.me.ID.String(),
		"NNCP_SENDER=" + o.id.String(),
		"NNCP_NICE=" + strconv.Itoa(int(ph.Nice)),
	}
	cmd.Stdin = stdin
	out := &capped{max: maxExecOutput}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		os.Remove(marker) // it may be retried: the packet stays
		return fmt.Errorf("exec %s from %s: %w: %s", handle, o.name, err, bytes.TrimSpace(out.Bytes()))
	}
	t.log.Info("exec ran", "who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "handle", handle)
	t.notifyExec(o, handle, args, out.Bytes())
	o.cleanup = append(o.cleanup, marker)
	return nil
}

// capped keeps the first max bytes written to it.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func durableTouch(p string, noSync bool) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if noSync {
		return nil
	}
	d, err := os.Open(filepath.Dir(p))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
