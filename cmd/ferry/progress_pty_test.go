package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sparseFile makes a file of size bytes that costs no disk and no time to
// write: a hole reads as zeros.
func sparseFile(t *testing.T, path string, size int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// The check: the real binary queuing 256 MiB on a terminal draws
// a bar redrawn in place and leaves its finished line; the same command
// piped draws nothing, and neither does it on a terminal with --quiet,
// --noprogress or noprogress in the config; nncp-file takes NNCP's flags
// for the same.
func TestFileProgressOnTerminal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("queues 256 MiB twice")
	}
	l := newNetLab(t)
	big := sparseFile(t, l.path("big.bin"), 256<<20)
	// The lab's configs say noprogress, as NNCP's key: take it out, so
	// that the default (a bar on a terminal) is what is tested.
	text, err := os.ReadFile(l.cfg("alice"))
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := l.path("alice-progress.hjson")
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(string(text), "noprogress: true", "noprogress: false", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	onPTYAs := func(bin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG=")
		screen, err := onTerminal(t, cmd, "")
		if err != nil {
			t.Fatalf("ferry file %v on a terminal: %v\n%q", args, err, screen)
		}
		return screen
	}
	onPTY := func(args ...string) string {
		t.Helper()
		return onPTYAs(ferryBin, append([]string{"file"}, args...)...)
	}

	screen := onPTY("--cfg", cfgPath, big, "bob:big.bin")
	if n := strings.Count(screen, "\r\033[Kbig.bin ["); n < 50 {
		t.Errorf("%d bar drawings for 256 MiB, want one per percent:\n%q", n, screen)
	}
	// The bar is drawn at the first count past each percent; the count
	// moves by what one read took (up to a batch of blocks), so the 50%
	// drawing shows 128 MiB or a little more.
	half := regexp.MustCompile(` 50% 1(2[89]|3[0-3])\.\d MiB/256\.0 MiB `)
	if !half.MatchString(screen) {
		t.Errorf("the terminal shows no %q:\n%q", half, lastBytes(screen, 600))
	}
	if want := "big.bin [====================] 256.0 MiB in "; !strings.Contains(screen, want) {
		t.Errorf("the terminal shows no %q:\n%q", want, lastBytes(screen, 600))
	}

	piped := ferryExec(t, nil, "file", "--cfg", cfgPath, big, "bob:big2.bin")
	if piped.code != 0 {
		t.Fatalf("piped: exit %d: %s", piped.code, piped.stderr)
	}
	if s := string(piped.stderr); strings.ContainsAny(s, "\r\033") || strings.Contains(s, "big.bin [") {
		t.Errorf("piped stderr has a bar: %q", lastBytes(s, 600))
	}

	mid := sparseFile(t, l.path("mid.bin"), 16<<20) // big enough for a bar
	for i, args := range [][]string{{"--cfg", cfgPath, "--quiet"}, {"--cfg", cfgPath, "--noprogress"}, {"--cfg", l.cfg("alice")}} {
		args = append(args, mid, "bob:mid"+strconv.Itoa(i))
		if s := onPTY(args...); strings.Contains(s, "mid.bin [") || strings.Contains(s, "\033[K") {
			t.Errorf("%v: the terminal shows a bar: %q", args, lastBytes(s, 600))
		}
	}
	// As nncp-file, NNCP's flags: a bar by default, none with -noprogress.
	nncpFile := l.path("nncp-file")
	if err := os.Symlink(ferryBin, nncpFile); err != nil {
		t.Fatal(err)
	}
	if s := onPTYAs(nncpFile, "-cfg", cfgPath, mid, "bob:nncp1"); !strings.Contains(s, "mid.bin [====================] 16.0 MiB in ") {
		t.Errorf("nncp-file on a terminal: no finished bar: %q", lastBytes(s, 600))
	}
	if s := onPTYAs(nncpFile, "-cfg", cfgPath, "-noprogress", mid, "bob:nncp2"); strings.Contains(s, "\033[K") {
		t.Errorf("nncp-file -noprogress: the terminal shows a bar: %q", lastBytes(s, 600))
	}
	if n := countFiles(t, l.queue("alice", "bob", "tx")); n != 7 {
		t.Errorf("%d packets queued for bob, want 7", n)
	}
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Type().IsRegular() {
			n++
		}
	}
	return n
}
