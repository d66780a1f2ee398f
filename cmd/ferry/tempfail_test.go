package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
)

// TestTempFailureExitCodes: the exit status report gives each failure
// of each command. A sending command that queued nothing for a reason
// that passes exits 75 (EX_TEMPFAIL) with a hint saying so; what a
// retry cannot mend, and every other command, keep 1 or 2.
func TestTempFailureExitCodes(t *testing.T) {
	enospc := fmt.Errorf("exec: queue exec for bob: %w", &os.PathError{Op: "write", Path: "/s/tmp/x", Err: syscall.ENOSPC})
	quota := func(limit, used, need int64) error {
		return fmt.Errorf("queue file for bob: %w", &spool.QuotaError{XX: spool.TX,
			Limit: spool.Limit{Bytes: limit}, Used: spool.Usage{Bytes: used}, Need: spool.Usage{Bytes: need}})
	}
	cases := []struct {
		name, cmd string
		err       error
		want      int
	}{
		{"exec, disk full", "exec", enospc, exitTempFail},
		{"exec, disk quota", "exec", fmt.Errorf("exec: %w", &os.PathError{Op: "write", Path: "/s/tmp/x", Err: syscall.EDQUOT}), exitTempFail},
		{"file, under the reserve", "file", fmt.Errorf("file a: 9 bytes do not fit: %w", spool.ErrNoRoom), exitTempFail},
		{"exec, tx quota full", "exec", quota(100, 90, 20), exitTempFail},
		{"exec, larger than the quota", "exec", quota(100, 0, 200), exitFailure},
		{"freq, lock busy", "freq", fmt.Errorf("freq: /s/x/tx.lock: %w", spool.ErrLocked), exitTempFail},
		{"trns, disk full", "trns", enospc, exitTempFail},
		{"file, chunks queued before the disk filled", "file", &queuedSome{enospc, 3}, exitFailure},
		{"exec, unknown node", "exec", errors.New("no node \"carol\""), exitFailure},
		{"exec, missing file", "exec", &os.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT}, exitFailure},
		{"exec, bad arguments", "exec", usageErrorf("want NODE and HANDLE"), exitUsage},
		{"toss, disk full", "toss", enospc, exitFailure},
		{"ack, disk full", "ack", enospc, exitFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			code := report(&output{w: &b}, c.cmd, c.err)
			if code != c.want {
				t.Errorf("exit %d, want %d\n%s", code, c.want, b.String())
			}
			if hinted := strings.Contains(b.String(), "this failure is temporary (exit 75)"); hinted != (c.want == exitTempFail) {
				t.Errorf("temporary hint shown: %v, want %v\n%s", hinted, !hinted, b.String())
			}
		})
	}
}

// TestSendingCommandsTempFailOnFullSpool: alice's spool is a 1 MiB
// tmpfs. A file, a mail and a file request that do not fit exit 75 with
// the disk's own error, through the real binary, as nncp-exec too (where
// NNCP exits 1 and Postfix would bounce the mail); a chunked file that
// fills the disk after some chunks exits 1, since a retry would queue
// those chunks twice; an unknown node still exits 1.
func TestSendingCommandsTempFailOnFullSpool(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	spoolDir := l.path("alice", "spool")
	mountTmpfs(t, spoolDir, "1m")
	big := l.path("big")
	body := randomFile(t, big, 4<<20) // random: no compression makes it fit

	check := func(what string, r result, want int) {
		t.Helper()
		if r.code != want {
			t.Errorf("%s: exit %d, want %d\n%s", what, r.code, want, r.stderr)
		}
		if want == exitTempFail && !strings.Contains(string(r.stderr), "no space left on device") {
			t.Errorf("%s: the disk's error is not said:\n%s", what, r.stderr)
		}
	}
	cfgArgs := func(cmd string, args ...string) []string {
		return append([]string{cmd, "--cfg", l.cfg("alice")}, args...)
	}
	check("file", ferryExec(t, nil, cfgArgs("file", big, "bob:big")...), exitTempFail)
	check("exec", ferryExec(t, body, cfgArgs("exec", "bob", "sendmail", "user@example.org")...), exitTempFail)
	check("exec to an unknown node", ferryExec(t, []byte("x"), cfgArgs("exec", "nobody", "sendmail", "u")...), exitFailure)
	check("chunked file", ferryExec(t, nil, cfgArgs("file", "--chunked", "256", big, "bob:big")...), exitFailure)
	if n := l.count(l.queue("alice", "bob", "tx")); n == 0 {
		t.Error("the chunked file queued no chunk before the disk filled: the case is not shown")
	}

	// The disk full to the last block: even a file request's few hundred
	// bytes do not fit.
	filler, err := os.Create(filepath.Join(spoolDir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = filler.Write(make([]byte, 2<<20))
	if closeErr := filler.Close(); !errors.Is(err, syscall.ENOSPC) || closeErr != nil {
		t.Fatalf("filling the tmpfs: %v, %v", err, closeErr)
	}
	check("freq", ferryExec(t, nil, cfgArgs("freq", "bob:some/file")...), exitTempFail)

	link := filepath.Join(nncpLinks(t), "nncp-exec")
	cmd := exec.Command(link, "-cfg", l.cfg("alice"), "-quiet", "bob", "sendmail", "user@example.org")
	cmd.Stdin = bytes.NewReader([]byte("Subject: hi\n\nhello\n"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitTempFail {
		t.Errorf("nncp-exec on a full spool: %v, want exit %d\n%s", err, exitTempFail, out)
	}
}
