package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every command with long local work reports it to the bar: file, xfer,
// bundle, toss, reass and hash, run in-process with --progress standing
// in for a terminal (the pty test covers the terminal itself). Each job
// here is above bigJob, so each leaves its finished line; without
// --progress (stderr is no terminal), or with --quiet, nothing is drawn.
func TestCommandsReportProgress(t *testing.T) {
	l := newNetLab(t)
	big := sparseFile(t, l.path("big.bin"), 9<<20)
	sparseFile(t, l.path("parts.bin"), 9<<20)
	if err := os.Mkdir(l.path("tree"), 0o755); err != nil {
		t.Fatal(err)
	}
	sparseFile(t, l.path("tree", "in.bin"), 9<<20) // its archive's size is known only once written
	medium := l.path("medium")
	if err := os.Mkdir(medium, 0o755); err != nil {
		t.Fatal(err)
	}
	alice, bob := l.cfg("alice"), l.cfg("bob")
	const done = ` \[====================\] 9\.0 MiB in [0-9.]+(ms|s), `
	pkt := func(node string) string { return node + ` [A-Z2-7]{12}` + done }

	var stream []byte
	for _, c := range []struct {
		name  string
		stdin func() []byte
		args  []string
		want  []string // finished lines, as patterns
	}{
		{"file", nil, []string{"file", "--cfg", alice, big, "bob:"}, []string{"big.bin" + done}},
		{"file DIR", nil, []string{"file", "--cfg", alice, l.path("tree"), "bob:"}, []string{"tree" + done}},
		{"file --chunked", nil, []string{"file", "--cfg", alice, "--chunked", "4096", l.path("parts.bin"), "bob:"}, []string{"parts.bin" + done}},
		{"bundle --tx", nil, []string{"bundle", "--cfg", alice, "--tx", "bob"}, []string{pkt("bob")}},
		{"xfer --tx", nil, []string{"xfer", "--cfg", alice, "--tx", "--mkdir", medium}, []string{pkt("bob")}},
		{"xfer --rx", nil, []string{"xfer", "--cfg", bob, "--rx", medium}, []string{pkt("alice")}},
		{"toss", nil, []string{"toss", "--cfg", bob}, []string{pkt("alice")}},
		{"reass", nil, []string{"reass", "--cfg", bob, l.path("bob", "incoming", "parts.bin.nncp.meta")}, []string{"parts.bin" + done}},
		// The stream's packets again, as toss took those xfer brought.
		{"bundle --rx", func() []byte { return stream }, []string{"bundle", "--cfg", bob, "--rx"}, []string{pkt("alice")}},
		{"hash", nil, []string{"hash", "--file", big}, []string{"big.bin" + done}},
		{"hash --seek", nil, []string{"hash", "--file", big, "--seek", "1000"}, []string{"big.bin" + done}},
	} {
		var stdin []byte
		if c.stdin != nil {
			stdin = c.stdin()
		}
		args := append([]string{c.args[0], "--progress"}, c.args[1:]...)
		r := ferry(t, stdin, args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", c.name, r.code, r.stderr)
		}
		if c.name == "bundle --tx" {
			stream = r.stdout
		}
		for _, w := range c.want {
			if !regexp.MustCompile(`(^|\r)` + w + `.*\n`).Match(r.stderr) {
				t.Errorf("%s: no finished line %q on stderr:\n%q", c.name, w, r.stderr)
			}
		}
	}

	// The same work without a terminal, or with --quiet: no bar.
	for _, args := range [][]string{{"hash", "--file", big}, {"hash", "--progress", "--quiet", "--file", big},
		{"hash", "--progress", "--noprogress", "--file", big}} {
		r := ferry(t, nil, args...)
		if r.code != 0 || bytes.ContainsAny(r.stderr, "\r\033") || strings.Contains(string(r.stderr), "big.bin [") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
