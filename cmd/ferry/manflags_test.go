package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// mdocMacro is what a token in a macro line looks like when it is itself
// a callable macro (Ar, Ns, Op, Xr, Brq...), which ends an Fl's arguments.
var mdocMacro = regexp.MustCompile(`^[A-Z][a-z]{1,2}$`)

// mdocPunct are the tokens mdoc prints as punctuation, not as flags.
var mdocPunct = map[string]bool{",": true, "|": true, ".": true, ";": true, ":": true, "(": true, ")": true, "[": true, "]": true}

// flagArg is what an argument of Fl may be: a flag name without its
// leading dash. An upper-case word (NODE, KiB) is a placeholder that
// belongs after Ar: mdoc would render `.Fl -via NODE` as "--via -NODE".
var flagArg = regexp.MustCompile(`^-?[a-z0-9][a-z0-9-]*$|^[A-Za-z]$`)

// mdocFlags returns the flags an mdoc page renders with Fl, as they print
// ("--via", "-q"): those on .It lines (documented) and all of them, and
// the Fl arguments that are not flag names (misuses), with their line.
func mdocFlags(page string) (items, all map[string]bool, misuse []string) {
	items, all = map[string]bool{}, map[string]bool{}
	for n, line := range strings.Split(page, "\n") {
		if !strings.HasPrefix(line, ".") || strings.HasPrefix(line, `.\"`) {
			continue
		}
		toks := strings.Fields(line[1:])
		isItem := len(toks) > 0 && toks[0] == "It"
		for i := 0; i < len(toks); i++ {
			if toks[i] != "Fl" {
				continue
			}
			for i+1 < len(toks) && !mdocMacro.MatchString(toks[i+1]) {
				i++
				a := toks[i]
				if mdocPunct[a] {
					continue
				}
				if !flagArg.MatchString(a) {
					misuse = append(misuse, strings.TrimSpace(line)+" (line "+strconv.Itoa(n+1)+")")
					continue
				}
				all["-"+a] = true
				if isItem {
					items["-"+a] = true
				}
			}
		}
	}
	return items, all, misuse
}

// TestManPagesDocumentEveryFlag reads every command's real flag set (the
// one --help prints) and checks that each flag has an entry in an .It
// line of its page: the command's own flags in ferry-CMD.1, the common
// ones in ferry(1), which every page must point to. No page may give Fl
// a placeholder as if it were a flag.
func TestManPagesDocumentEveryFlag(t *testing.T) {
	t.Parallel()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../../man", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	mainItems, _, _ := mdocFlags(read("ferry.1"))
	for i := range commands {
		c := &commands[i]
		specs, err := describeFlags(c)
		if err != nil {
			t.Fatal(err)
		}
		name := "ferry-" + c.name + ".1"
		page := read(name)
		items, _, _ := mdocFlags(page)
		for _, f := range specs {
			where, have := name, items
			if isCommonFlag(f.long) {
				where, have = "ferry.1", mainItems
			}
			if !have["--"+f.long] {
				t.Errorf("%s: --%s (%s) has no .It Fl -%s entry", where, f.long, f.usage, f.long)
			}
			if f.short != "" && !have["-"+f.short] {
				t.Errorf("%s: -%s, short for --%s, has no .It entry", where, f.short, f.long)
			}
		}
		if !strings.Contains(page, ".Xr ferry 1") {
			t.Errorf("%s does not point to ferry(1) for the common options", name)
		}
	}
	pages, _ := filepath.Glob("../../man/*.[157]")
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		if _, _, bad := mdocFlags(string(b)); len(bad) > 0 {
			t.Errorf("%s: Fl given a placeholder (write .Fl -flag Ar ARG):\n\t%s", filepath.Base(p), strings.Join(bad, "\n\t"))
		}
	}
}

func TestMdocFlags(t *testing.T) {
	t.Parallel()
	items, all, bad := mdocFlags(".It Fl q , Fl -quiet\n.It Fl -via NODE\n.Op Fl -json\n.It Fl -pkts Ar PKT,...\n.Fl chunked nice\n")
	for _, f := range []string{"-q", "--quiet", "--pkts"} {
		if !items[f] {
			t.Errorf("item %s not found in %v", f, items)
		}
	}
	for _, f := range []string{"--json", "-chunked", "-nice", "--via"} {
		if !all[f] || (f == "--json" && items[f]) {
			t.Errorf("flag %s: all %v items %v", f, all, items)
		}
	}
	if len(bad) != 1 || !strings.Contains(bad[0], "NODE") {
		t.Errorf("misuse not found: %q", bad)
	}
}
