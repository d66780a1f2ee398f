package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// Encrypted configs: the eblobs nncp-cfgenc wrote (cfg/testdata/eblob)
// through ferry's commands, and fresh ones both ways with the real tool.

var eblobDir = labtest.EBlobDir()

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ferryEnv runs ferry with a clean NNCP environment plus env.
func ferryCmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG="), env...)
	return cmd
}

func TestCfgencNNCPVectors(t *testing.T) {
	t.Parallel()
	vecs, plainPath := labtest.EBlobVectors(t)
	plain := mustRead(t, plainPath)
	wantMin := ferry(t, nil, "cfgmin", "--cfg", plainPath)
	if wantMin.code != 0 {
		t.Fatalf("cfgmin of the plain config: %s", wantMin.stderr)
	}
	for _, v := range vecs {
		t.Run(v.File, func(t *testing.T) {
			if v.Slow {
				t.Skip("default costs take seconds; cfg and cfg/balloon open this one")
			}
			path := filepath.Join(eblobDir, v.File)
			r := ferry(t, []byte(v.Passphrase+"\n"), "cfgenc", "-d", path)
			if r.code != 0 || !bytes.Equal(r.stdout, plain) {
				t.Fatalf("cfgenc -d: exit %d, %s", r.code, r.stderr)
			}
			// Loading through --cfg asks on the terminal, as NNCP does.
			var out bytes.Buffer
			cmd := ferryCmd(nil, "cfgmin", "--cfg", path)
			cmd.Stdout = &out
			screen, err := onTerminal(t, cmd, v.Passphrase+"\n")
			if err != nil || !bytes.Equal(out.Bytes(), wantMin.stdout) {
				t.Fatalf("cfgmin --cfg eblob: %v, terminal %q", err, screen)
			}
			if !strings.Contains(screen, "Passphrase:") || strings.Contains(screen, "ferry: error") {
				t.Errorf("terminal showed %q", screen)
			}
		})
	}
}

func TestEncryptedConfigThroughNNCPCFG(t *testing.T) {
	t.Parallel()
	path := filepath.Join(eblobDir, "s33-t3-p3.eblob")
	var out bytes.Buffer
	cmd := ferryCmd([]string{"NNCPCFG=" + path}, "cfgmin")
	cmd.Stdout = &out
	if screen, err := onTerminal(t, cmd, "correct horse battery staple\n"); err != nil || !bytes.Contains(out.Bytes(), []byte("ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ")) {
		t.Fatalf("NNCPCFG=eblob: %v, terminal %q, out %q", err, screen, out.Bytes())
	}
	// stdin is data (a mail for exec): the passphrase comes from /dev/tty.
	out.Reset()
	m, s := openPTY(t)
	defer func() { _ = m.Close() }() // read to its end below: nothing is lost
	cmd = ferryCmd([]string{"NNCPCFG=" + path}, "cfgmin")
	cmd.Stdin = strings.NewReader("not the passphrase\n")
	cmd.Stdout, cmd.Stderr = &out, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 2}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close() // our copy, only read by the child (it has its own)
	done := make(chan struct{})
	var screen bytes.Buffer
	go func() {
		_, _ = screen.ReadFrom(m) // ends with EIO once the child's end is closed
		close(done)
	}()
	if _, err := m.Write([]byte("correct horse battery staple\n")); err != nil {
		t.Errorf("type on the terminal: %v", err)
	}
	err := cmd.Wait()
	<-done
	if err != nil || !bytes.Contains(out.Bytes(), []byte("ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ")) {
		t.Fatalf("passphrase on /dev/tty: %v, terminal %q", err, screen.String())
	}
}

func TestEncryptedConfigErrors(t *testing.T) {
	t.Parallel()
	path := filepath.Join(eblobDir, "s4-t1-p1.eblob")
	r := ferry(t, []byte("abd\n"), "cfgenc", "-d", path)
	if r.code != 1 || string(r.stderr) != "ferry: error: cfgenc "+path+": wrong passphrase or damaged file\n" || len(r.stdout) != 0 {
		t.Errorf("cfgenc -d, wrong passphrase: exit %d, %q", r.code, r.stderr)
	}
	cmd := ferryCmd(nil, "cfgmin", "--cfg", path)
	screen, err := onTerminal(t, cmd, "abd\n")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(screen, "ferry: error: load config: "+path+": wrong passphrase or damaged file") {
		t.Errorf("--cfg, wrong passphrase: %v, terminal %q", err, screen)
	}
	// No terminal at all (a daemon, cron): a clear error, no hang.
	cmd = ferryCmd(nil, "cfgmin", "--cfg", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err == nil || !strings.Contains(errb.String(), "no terminal to ask for its passphrase") || !strings.Contains(errb.String(), "ferry: hint:") {
		t.Errorf("no terminal: %v, %q", err, errb.String())
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cfgenc"}, 2, "want one FILE"},
		{[]string{"cfgenc", "-d", "--dump", path}, 2, "exclude each other"},
		{[]string{"cfgenc", "-s", "0", path}, 2, "space cost must be at least 1"},
		{[]string{"cfgenc", "-p", "0", path}, 2, "parallel jobs must be at least 1"},
		{[]string{"cfgenc", "-s", "33554432", "-p", "2", path}, 2, "above the limit"},
		{[]string{"cfgenc", path}, 1, "already encrypted"},
		{[]string{"cfgenc", "-d", filepath.Join(eblobDir, "plain.hjson")}, 1, "not an eblob"},
	} {
		r := ferry(t, []byte("pw\n"), c.args...)
		if r.code != c.code || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}

// runNNCPOnTerminal runs an nncp tool with the passphrase lines typed on
// its terminal; stdout is returned apart from the screen.
func runNNCPOnTerminal(t *testing.T, typed string, tool string, args ...string) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(tool, args...)
	cmd.Stdout = &out
	screen, err := onTerminal(t, cmd, typed)
	if err != nil {
		err = fmt.Errorf("%s %v: %w; terminal %q", tool, args, err, screen)
	}
	return out.Bytes(), err
}

func TestCfgencInterop(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-cfgenc")
	_, plainPath := labtest.EBlobVectors(t)
	plain := mustRead(t, plainPath)
	dir := t.TempDir()
	for _, c := range []struct{ s, t, p, pass string }{
		{"1", "0", "1", "x"},
		{"8", "2", "3", "my pass phrase"},
		{"33", "1", "2", "ünïcödé"},
	} {
		// ferry encrypts, nncp-cfgenc decrypts.
		r := ferry(t, []byte(c.pass+"\n"), "cfgenc", "-s", c.s, "-t", c.t, "-p", c.p, plainPath)
		if r.code != 0 {
			t.Fatalf("cfgenc: %s", r.stderr)
		}
		eb := filepath.Join(dir, "ferry.eblob")
		if err := os.WriteFile(eb, r.stdout, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := runNNCPOnTerminal(t, c.pass+"\n", "nncp-cfgenc", "-d", eb)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("-s %s -t %s -p %s: nncp-cfgenc -d of ferry's eblob: %v", c.s, c.t, c.p, err)
		}
		if _, err := runNNCPOnTerminal(t, c.pass+"?\n", "nncp-cfgenc", "-d", eb); err == nil {
			t.Fatal("nncp-cfgenc opened ferry's eblob with a wrong passphrase")
		}
		nd, err := exec.Command("nncp-cfgenc", "-dump", eb).Output()
		if fd := ferry(t, nil, "cfgenc", "--dump", eb); err != nil || fd.code != 0 || !bytes.Equal(fd.stdout, nd) {
			t.Errorf("--dump: ferry %q, nncp %q (%v)", fd.stdout, nd, err)
		}
		// nncp-cfgenc encrypts (a fresh salt), ferry decrypts.
		got, err = runNNCPOnTerminal(t, c.pass+"\n"+c.pass+"\n", "nncp-cfgenc", "-s", c.s, "-t", c.t, "-p", c.p, plainPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(eb, got, 0o600); err != nil {
			t.Fatal(err)
		}
		if r := ferry(t, []byte(c.pass+"\n"), "cfgenc", "-d", eb); r.code != 0 || !bytes.Equal(r.stdout, plain) {
			t.Fatalf("-s %s -t %s -p %s: ferry cfgenc -d of nncp's eblob: exit %d, %s", c.s, c.t, c.p, r.code, r.stderr)
		}
	}
}

// Encrypting on a terminal asks twice, as nncp-cfgenc does.
func TestCfgencAsksTwiceOnTerminal(t *testing.T) {
	t.Parallel()
	_, plainPath := labtest.EBlobVectors(t)
	var out bytes.Buffer
	cmd := ferryCmd(nil, "cfgenc", "-s", "4", "-t", "1", "-p", "1", plainPath)
	cmd.Stdout = &out
	screen, err := onTerminal(t, cmd, "one\ntwo\n")
	if err == nil || !strings.Contains(screen, "Repeat passphrase:") || !strings.Contains(screen, "passphrases do not match") || out.Len() != 0 {
		t.Fatalf("mismatch: %v, terminal %q", err, screen)
	}
	out.Reset()
	cmd = ferryCmd(nil, "cfgenc", "-s", "4", "-t", "1", "-p", "1", plainPath)
	cmd.Stdout = &out
	if screen, err := onTerminal(t, cmd, "same\nsame\n"); err != nil {
		t.Fatalf("%v, terminal %q", err, screen)
	}
	eb := filepath.Join(t.TempDir(), "x.eblob")
	mustWrite(t, eb, out.Bytes(), 0o600)
	if r := ferry(t, []byte("same\n"), "cfgenc", "-d", eb); r.code != 0 || !bytes.Equal(r.stdout, mustRead(t, plainPath)) {
		t.Fatalf("round trip: %s", r.stderr)
	}
}
