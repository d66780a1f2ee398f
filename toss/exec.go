package toss

import (
	"bytes"
	"errors"
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
// or damaged tail never reaches a handler. A durable marker per packet,
// claimed right before the handler starts, keeps a crash from running the
// command twice.
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
		t.log.Info("exec was started before an interruption; not run again",
			"who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "handle", handle)
		o.cleanup = append(o.cleanup, marker)
		return nil
	}
	stdin, err := t.execInput(body, ph.Type == packet.TypeExec)
	if err != nil {
		return err
	}
	defer os.Remove(stdin.Name())
	defer stdin.Close()
	// Output goes to a file, not a pipe: a handler must not die of SIGPIPE
	// because toss was killed while it ran.
	outFile, err := os.CreateTemp(t.sp.TmpDir(), "ferryexecout")
	if err != nil {
		return err
	}
	defer os.Remove(outFile.Name())
	defer outFile.Close()
	full := append(append([]string(nil), argv...), args...)
	var cmd *exec.Cmd
	if t.opt.ExecWrapper != "" {
		// The wrapper claims the marker with O_EXCL, makes it durable and
		// only then becomes the handler: once started it is independent of
		// us, so a kill of toss can neither lose nor repeat the command.
		cmd = exec.Command(t.opt.ExecWrapper, append([]string{ExecOnceCommand, marker, "--"}, full...)...)
	} else {
		cmd = exec.Command(full[0], full[1:]...)
		if err := durableTouch(marker, t.sp.NoSync()); err != nil {
			return fmt.Errorf("exec marker: %w", err)
		}
	}
	cmd.Env = []string{
		"NNCP_SELF=" + t.me.ID.String(),
		"NNCP_SENDER=" + o.id.String(),
		"NNCP_NICE=" + strconv.Itoa(int(ph.Nice)),
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, outFile, outFile
	err = cmd.Run()
	out := readCapped(outFile)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == ExecOnceAlreadyRan {
		t.log.Info("exec was started before an interruption; not run again",
			"who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "handle", handle)
		o.cleanup = append(o.cleanup, marker)
		return nil
	}
	if err != nil {
		os.Remove(marker) // it may be retried: the packet stays
		return fmt.Errorf("exec %s from %s: %w: %s", handle, o.name, err, bytes.TrimSpace(out))
	}
	t.log.Info("exec ran", "who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "handle", handle)
	t.notifyExec(o, handle, args, out)
	o.cleanup = append(o.cleanup, marker)
	return nil
}

// ExecOnceCommand is the hidden ferry subcommand that runs a handler at
// most once per marker: `ferry __exec-once MARKER -- ARGV...`.
const ExecOnceCommand = "__exec-once"

// ExecOnceAlreadyRan is its exit code when the marker already existed.
const ExecOnceAlreadyRan = 87

// execInput returns the handler's standard input as a file of its own:
// the body decompressed when it is zstd.
func (t *Tosser) execInput(body *os.File, compressed bool) (*os.File, error) {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	in, err := os.CreateTemp(t.sp.TmpDir(), "ferryexecin")
	if err != nil {
		return nil, err
	}
	var src io.Reader = body
	if compressed {
		z, err := packet.NewExecDecompressor(body)
		if err != nil {
			in.Close()
			os.Remove(in.Name())
			return nil, refused("exec body: %v", err)
		}
		defer z.Close()
		src = z
	}
	if _, err := io.Copy(in, src); err != nil {
		in.Close()
		os.Remove(in.Name())
		if compressed {
			return nil, refused("exec body: %v", err)
		}
		return nil, err
	}
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return in, nil
}

func readCapped(f *os.File) []byte {
	f.Seek(0, io.SeekStart)
	b, _ := io.ReadAll(io.LimitReader(f, maxExecOutput))
	return b
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
