package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// completionScript writes `ferry completion SHELL` of the real binary to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	r := ferry(t, nil, "completion", shell)
	if r.code != 0 {
		t.Fatalf("ferry completion %s: exit %d: %s", shell, r.code, r.stderr)
	}
	p := filepath.Join(t.TempDir(), "ferry."+shell)
	if err := os.WriteFile(p, r.stdout, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func needShell(t *testing.T, shell string) string {
	t.Helper()
	p, err := exec.LookPath(shell)
	if err != nil {
		t.Skipf("%s not installed: skipping the %s completion check", shell, shell)
	}
	return p
}

// bashComplete sources the script and asks _ferry to complete words, the
// last of which is the word being typed, as bash does on TAB.
func bashComplete(t *testing.T, bash, script string, words ...string) []string {
	t.Helper()
	prog := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _ferry; printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command(bash, append([]string{"--norc", "--noprofile", "-c", prog, "bash", script}, words...)...).Output()
	if err != nil {
		t.Fatalf("bash completion of %q: %v", words, err)
	}
	return strings.Fields(string(out))
}

func TestCompletionBash(t *testing.T) {
	t.Parallel()
	bash := needShell(t, "bash")
	script := completionScript(t, "bash")
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "node.hjson"), nil, 0o600)
	mustMkdir(t, filepath.Join(dir, "spool"))
	for _, tc := range []struct {
		name  string
		words []string
		want  []string
	}{
		{"command", []string{"ferry", "to"}, []string{"toss"}},
		{"commands by prefix", []string{"ferry", "cfg"}, []string{"cfgdir", "cfgenc", "cfgmin", "cfgnew"}},
		{"flag", []string{"ferry", "toss", "--cy"}, []string{"--cycle"}},
		{"flag of another command", []string{"ferry", "call", "--mcd"}, []string{"--mcd-wait"}},
		{"flag of a sending command", []string{"ferry", "file", "--print"}, []string{"--print-id"}},
		{"file value", []string{"ferry", "toss", "--cfg", dir + "/n"}, []string{dir + "/node.hjson"}},
		{"file value after =", []string{"ferry", "toss", "--cfg", "=", dir + "/n"}, []string{dir + "/node.hjson"}},
		{"directory value", []string{"ferry", "toss", "--spool", dir + "/"}, []string{dir + "/spool"}},
		{"value that cannot be listed", []string{"ferry", "toss", "--node", ""}, nil},
		{"help topics", []string{"ferry", "help", "ca"}, []string{"call", "caller"}},
		{"shells", []string{"ferry", "completion", "z"}, []string{"zsh"}},
		{"argument files", []string{"ferry", "file", dir + "/no"}, []string{dir + "/node.hjson"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bashComplete(t, bash, script, tc.words...)
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("completing %q: got %q, want %q", tc.words, got, tc.want)
			}
		})
	}
}

// helpFlag matches an option line of pflag's --help output.
var helpFlag = regexp.MustCompile(`(?m)^\s+(?:-([A-Za-z0-9]), )?--([a-z0-9-]+)`)

// Every flag that a command's --help shows completes, and nothing else:
// the script is built from the same flag sets the commands parse.
func TestCompletionFlagsMatchHelp(t *testing.T) {
	t.Parallel()
	bash := needShell(t, "bash")
	script := completionScript(t, "bash")
	for _, c := range commands {
		r := ferry(t, nil, c.name, "--help")
		var want []string
		for _, m := range helpFlag.FindAllStringSubmatch(string(r.stdout), -1) {
			if m[1] != "" {
				want = append(want, "-"+m[1])
			}
			want = append(want, "--"+m[2])
		}
		if len(want) == 0 {
			t.Fatalf("%s --help shows no flags:\n%s", c.name, r.stdout)
		}
		got := bashComplete(t, bash, script, "ferry", c.name, "-")
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ferry %s -<TAB>:\n got  %q\n want %q (from --help)", c.name, got, want)
		}
	}
}

func TestCompletionZsh(t *testing.T) {
	t.Parallel()
	zsh := needShell(t, "zsh")
	script := completionScript(t, "zsh")
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	// Sourced after compinit, the script registers _ferry for ferry.
	prog := `autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- "${_comps[ferry]}"`
	out, err := exec.Command(zsh, "-f", "-c", prog, "zsh", script).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_ferry" {
		t.Fatalf("zsh did not register _ferry for ferry: %v\n%s", err, out)
	}
	// Type each line with a TAB into an interactive zsh on a pty and read
	// back what the (stub) ferry function was called with. Reads wait for
	// a pattern, not for a time; the context only guards against a hang.
	lines := map[string]string{
		"ferry toss --cy":    "toss --cycle",
		"ferry cfgm":         "cfgmin",
		"ferry call --mcd":   "call --mcd-wait",
		"ferry help cro":     "help cronexpr",
		"ferry completion z": "completion zsh",
	}
	var typed, want []string
	for l, w := range lines {
		typed, want = append(typed, l), append(want, w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err = exec.CommandContext(ctx, zsh, append([]string{"-f", "-c", zshTypeAndTab, "zsh", script}, typed...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("zsh on a pty: %v\n%s", err, out)
	}
	if got := strings.Split(strings.TrimSpace(string(out)), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("zsh completed %q to %q, want %q", typed, got, want)
	}
}

// zshTypeAndTab: $1 the completion script, then the lines to type.
const zshTypeAndTab = `zmodload zsh/zpty || exit 1
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; autoload -Uz compinit; compinit -u -D; source ${(q)1}; ferry() { print -r -- \${(U):-res}:\"\$*\":\${(U):-end}; }"
shift
for line in "$@"; do
	zpty -n -w z "$line"$'\t\r'
	zpty -r z out '*RES:*:END*'
	print -r -- "${${out##*RES:}%%:END*}"
done
zpty -d z
`

func TestCompletionRefusesUnknownShell(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"completion"}, {"completion", "fish"}, {"completion", "bash", "zsh"}} {
		if r := ferry(t, nil, args...); r.code != exitUsage {
			t.Errorf("ferry %q: exit %d, want %d (usage)", args, r.code, exitUsage)
		}
	}
}

func TestZshFlagSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    flagSpec
		want string
	}{
		{flagSpec{long: "debug", usage: "print debug messages"}, `'--debug[print debug messages]'`},
		{flagSpec{long: "quiet", short: "q", usage: "print only errors"}, `'(-q --quiet)'{-q,--quiet}'[print only errors]'`},
		{flagSpec{long: "cfg", arg: "FILE", kind: argFile, usage: "configuration FILE"}, `'--cfg=[configuration FILE]:FILE:_files'`},
		{flagSpec{long: "spool", arg: "DIR", kind: argDir, usage: "spool DIR"}, `'--spool=[spool DIR]:DIR:_files -/'`},
		{flagSpec{long: "node", short: "n", arg: "NODE", kind: argOther, usage: "only NODE"}, `'(-n --node)'{-n+,--node=}'[only NODE]:NODE: '`},
		{flagSpec{long: "area", arg: "NAME", kind: argOther, usage: "area [NAME]", repeat: true}, `'*--area=[area \[NAME\]]:NAME: '`},
		{flagSpec{long: "exec", short: "e", usage: "it's", repeat: true}, `'*'{-e,--exec}'[it'\''s]'`},
	} {
		if got := zshFlagSpec(tc.f); got != tc.want {
			t.Errorf("zshFlagSpec(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]argKind{"FILE": argFile, "DIR": argDir, "PATH": argFile, "NODE": argOther, "SEC": argOther, "FILE.eblob": argFile} {
		if got := kindOf(p); got != want {
			t.Errorf("kindOf(%q) = %d, want %d", p, got, want)
		}
	}
}
