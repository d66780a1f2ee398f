package main

import (
	"strings"
	"testing"
)

// TestYggdrasilAddrOnCommandLine: a Yggdrasil URL given on the command
// line is refused before anything is dialled or opened, in the words the
// loader uses for one in the config, as a command-line mistake (exit 2).
func TestYggdrasilAddrOnCommandLine(t *testing.T) {
	l := newNetLab(t)
	const msg = "yggdrasil addresses are not supported; run the Yggdrasil daemon and use its address"
	for _, args := range [][]string{
		{"call", "--cfg", l.cfg("alice"), "bob", "yggdrasilc://[200::1]:5400"},
		{"call", "--cfg", l.cfg("alice"), "bob", "YggdrasilS://[200::1]:5400"},
		{"daemon", "--cfg", l.cfg("bob"), "--bind", "yggdrasils://[::1]:0"},
	} {
		r := ferry(t, nil, args...)
		first, _, _ := strings.Cut(string(r.stderr), "\n")
		if r.code != exitUsage || !strings.HasPrefix(first, "ferry: error: "+args[0]+": ") || !strings.HasSuffix(first, ": "+msg) {
			t.Errorf("%v: exit %d, stderr:\n%s", args, r.code, r.stderr)
		}
	}
}
