package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// parseOnly runs a command's flag parsing and nothing else.
func parseOnly(c *command, args []string) (*globals, error) {
	g := newGlobals(c, noStreams())
	g.parseOnly = true
	err := c.run(context.Background(), g, args)
	return g, err
}

// sampleValue is a value each flag type accepts.
func sampleValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "NICE":
		return "normal"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "uint16", "uint8", "float64":
		return "1"
	case "duration":
		return "1s"
	}
	return "x"
}

// TestEveryFlagLongFormAndSingleDash walks every ferry command and every
// flag it has: the long form parses in each of pflag's spellings, and
// NNCP's single-dash spelling is refused with the double-dash hint,
// never read as a bundle of one-letter flags.
func TestEveryFlagLongFormAndSingleDash(t *testing.T) {
	t.Parallel()
	for i := range commands {
		c := &commands[i]
		g, err := parseOnly(c, nil)
		if !errors.Is(err, errParsed) {
			t.Fatalf("%s: parse-only run: %v", c.name, err)
		}
		g.fs.VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Name == "version" {
				return // they print and stop; refusal is checked below
			}
			isBool := f.NoOptDefVal != ""
			v := sampleValue(f)
			var forms [][]string
			if isBool {
				forms = [][]string{{"--" + f.Name}, {"--" + f.Name + "=true"}}
			} else {
				forms = [][]string{{"--" + f.Name, v}, {"--" + f.Name + "=" + v}}
			}
			if f.Shorthand != "" {
				if isBool {
					forms = append(forms, []string{"-" + f.Shorthand})
				} else {
					forms = append(forms, []string{"-" + f.Shorthand, v})
				}
			}
			for _, args := range forms {
				if _, err := parseOnly(c, args); !errors.Is(err, errParsed) {
					t.Errorf("ferry %s %v: %v", c.name, args, err)
				}
			}
		})
		g.fs.VisitAll(func(f *pflag.Flag) {
			if len(f.Name) < 2 {
				return
			}
			for _, args := range [][]string{{"-" + f.Name}, {"-" + f.Name, sampleValue(f)}, {"-" + f.Name + "=" + sampleValue(f)}} {
				_, err := parseOnly(c, args)
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "single-dash long flag; did you mean --"+f.Name+"?") {
					t.Errorf("ferry %s %v: %v; want refused with a hint", c.name, args, err)
				}
			}
		})
	}
}

// TestNNCPFlagTablesReachFerry: every flag of every NNCP tool table,
// translated, is a flag ferry's command parses (for the tools whose
// ferry command exists). Flags ferry's commands are still gaining are
// listed; the test fails once one works, so the list stays true.
func TestNNCPFlagTablesReachFerry(t *testing.T) {
	t.Parallel()
	pending := map[string]bool{} // none left; add "TOOL FLAG" while one is being built
	for i := range nncpTools {
		tool := &nncpTools[i]
		c := findCommand(tool.ferry)
		if c == nil {
			t.Logf("nncp-%s: ferry has no %s command yet", tool.name, tool.ferry)
			continue
		}
		for _, s := range tool.specs() {
			v := map[string]string{"b": "true", "i": "1", "u": "1", "s": "x"}[s.kind]
			if s.name == "nice" || s.name == "replynice" {
				v = "normal"
			}
			args, code, err := nncpToFerry(tool, []string{"-" + s.name + "=" + v}, newStreams(nil, os.Stdout, os.Stderr))
			if s.name == "yggdrasil" {
				if err == nil || !strings.Contains(err.Error(), "not supported") {
					t.Errorf("nncp-%s -yggdrasil: %v, want not supported", tool.name, err)
				}
				continue
			}
			if err != nil || args == nil {
				t.Errorf("nncp-%s -%s: stopped with %d, %v", tool.name, s.name, code, err)
				continue
			}
			_, err = parseOnly(c, args)
			key := tool.name + " " + s.name
			switch {
			case pending[key] && errors.Is(err, errParsed):
				t.Errorf("nncp-%s -%s now reaches ferry: drop it from the pending list", tool.name, s.name)
			case pending[key]:
				t.Logf("nncp-%s -%s: pending in ferry %s (%v)", tool.name, s.name, tool.ferry, err)
			case !errors.Is(err, errParsed):
				t.Errorf("nncp-%s -%s → ferry %s %v: %v", tool.name, s.name, tool.ferry, args, err)
			}
		}
	}
}

// TestNNCPTranslation: where NNCP's meaning differs, the ferry arguments
// say NNCP's meaning explicitly.
func TestNNCPTranslation(t *testing.T) {
	for _, c := range []struct {
		tool string
		args []string
		want string
	}{
		{"bundle", []string{"-tx", "bob"}, "--tx --keep -- bob"},
		{"bundle", []string{"-tx", "-delete", "bob"}, "--delete --tx -- bob"},
		{"bundle", []string{"-rx", "-delete"}, "--delete --rx --"},
		{"cronexpr", []string{"* * * * *"}, "--num=10 -- * * * * *"},
		{"cronexpr", []string{"-num", "3", "* * * * *"}, "--num=3 -- * * * * *"},
		{"rm", []string{"-node", "bob", "-rx", "-hdr"}, "--hdr --node=bob --"},
		{"trns", []string{"-via", "bob", "carol:PKT"}, "--via=bob --keep -- carol:PKT"},
		{"exec", []string{"-quiet", "bob", "sendmail", "-t", "-oi"}, "--quiet -- bob sendmail -t -oi"},
		{"toss", []string{"--node", "bob", "-cycle=5", "-seen"}, "--cycle=5 --node=bob --seen --"},
		{"daemon", []string{"-inetd", "-nice", "P"}, "--inetd --nice=P --"},
		{"hash", []string{"-debug", "-force-fat", "-file", "f"}, "--debug --file=f --force-fat --"},
	} {
		t.Setenv("NNCPCFG", "")
		args, _, err := nncpToFerry(findNNCPTool(c.tool), c.args, newStreams(nil, os.Stdout, os.Stderr))
		if got := strings.Join(args, " "); err != nil || got != c.want {
			t.Errorf("nncp-%s %v → %q (%v), want %q", c.tool, c.args, got, err, c.want)
		}
	}
	// NNCPCFG wins over -cfg, as in NNCP.
	t.Setenv("NNCPCFG", "/env/cfg")
	args, _, _ := nncpToFerry(findNNCPTool("toss"), []string{"-cfg", "/flag/cfg"}, newStreams(nil, os.Stdout, os.Stderr))
	if got := strings.Join(args, " "); got != "--cfg=/env/cfg --" {
		t.Errorf("NNCPCFG and -cfg: %q", got)
	}
	// nncp-cfgdir alone reads -cfg only.
	for in, want := range map[string]string{"-cfg=/flag/cfg -load d": "--cfg=/flag/cfg --load -- d", "-load d": "--cfg= --load -- d"} {
		args, _, _ = nncpToFerry(findNNCPTool("cfgdir"), strings.Fields(in), newStreams(nil, os.Stdout, os.Stderr))
		if got := strings.Join(args, " "); got != want {
			t.Errorf("nncp-cfgdir %s with NNCPCFG: %q, want %q", in, got, want)
		}
	}
}

// TestCheckNodeAndArgs: ferry check used to ignore -node (read as -n
// "ode"), an unknown --node and extra arguments, checking nothing and
// exiting 0.
func TestCheckNodeAndArgs(t *testing.T) {
	t.Parallel()
	cfg := labCfg(t, "alice")
	mustMkdirAll(t, filepath.Join(filepath.Dir(cfg), "alice", "spool"))
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"check", "--cfg", cfg, "-node", "bob"}, 2, "check: -node: single-dash long flag; did you mean --node?"},
		{[]string{"check", "--cfg", cfg, "--node", "NOSUCH"}, 1, `unknown node "NOSUCH"`},
		{[]string{"check", "--cfg", cfg, "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"toss", "--cfg", cfg, "-node", "bob"}, 2, "toss: -node: single-dash long flag; did you mean --node?"},
		{[]string{"stat", "--cfg", cfg, "bob"}, 2, `unexpected argument "bob"`},
		{[]string{"check", "--cfg", cfg, "--node", "bob"}, 0, ""},
	} {
		r := ferry(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(string(r.stderr), c.msg) {
			t.Errorf("ferry %v: exit %d, %s; want %d and %q", c.args[3:], r.code, r.stderr, c.code, c.msg)
		}
	}
}

// TestSingleDashSkipsValues: a value that begins with a dash is a value,
// and exec's remote arguments are the remote's.
func TestSingleDashSkipsValues(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("via", "", "")
	fs.Int64("minsize", 0, "")
	fs.StringP("node", "n", "", "")
	fs.Bool("quiet", false, "")
	for _, c := range []struct {
		args []string
		stop bool
		ok   bool
	}{
		{[]string{"--via", "-", "bob"}, false, true},
		{[]string{"--minsize", "-1"}, false, true},
		{[]string{"-n", "-weird"}, false, true},
		{[]string{"--quiet", "-node"}, false, false},
		{[]string{"bob", "sendmail", "-oi"}, true, true},
		{[]string{"bob", "-oi"}, false, false},
		{[]string{"--", "-node"}, false, true},
		{[]string{"-qn", "bob"}, false, false},
	} {
		err := refuseSingleDash(fs, c.args, c.stop)
		if (err == nil) != c.ok {
			t.Errorf("%v (stop %v): %v", c.args, c.stop, err)
		}
	}
}
