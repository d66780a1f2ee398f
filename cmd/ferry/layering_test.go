package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the package graph of README.md's Layout: packet at the
// bottom, cfg and spool on it, toss and call beside each other, pflag
// only in cmd/ferry.
func TestLayering(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{
		"github.com/ferry-dtn/ferry/packet": {},
		"github.com/ferry-dtn/ferry/cfg":    {"github.com/ferry-dtn/ferry/packet"},
		"github.com/ferry-dtn/ferry/spool":  {"github.com/ferry-dtn/ferry/packet"},
		// The filesystem toolkit knows nothing of packets or the spool.
		"github.com/ferry-dtn/ferry/spool/fsio": {},
		"github.com/ferry-dtn/ferry/toss":       {"github.com/ferry-dtn/ferry/packet", "github.com/ferry-dtn/ferry/cfg", "github.com/ferry-dtn/ferry/spool"},
		"github.com/ferry-dtn/ferry/call":       {"github.com/ferry-dtn/ferry/packet", "github.com/ferry-dtn/ferry/cfg", "github.com/ferry-dtn/ferry/spool"},
		// The shared test lab: the standard library only, so that the
		// internal tests of packet and cfg can use it; labnode adds
		// ferry's packages for the tests of the packages above them.
		"github.com/ferry-dtn/ferry/internal/labtest":         {},
		"github.com/ferry-dtn/ferry/internal/labtest/labnode": {"github.com/ferry-dtn/ferry/internal/labtest", "github.com/ferry-dtn/ferry/packet", "github.com/ferry-dtn/ferry/cfg", "github.com/ferry-dtn/ferry/spool"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "github.com/ferry-dtn/ferry/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		root := pkg
		best := ""
		for top := range allowed { // the longest listed prefix rules
			if (pkg == top || strings.HasPrefix(pkg, top+"/")) && len(top) > len(best) {
				best = top
			}
		}
		if best != "" {
			root = best
		}
		ok, layered := allowed[root]
		for _, d := range deps {
			if d == "github.com/spf13/pflag" && root != "github.com/ferry-dtn/ferry/cmd/ferry" {
				t.Errorf("%s imports pflag; only cmd/ferry may", pkg)
			}
			if !layered || !strings.HasPrefix(d, "github.com/ferry-dtn/ferry/") || d == root || strings.HasPrefix(d, root+"/") {
				continue
			}
			allowedDep := false
			for _, a := range ok {
				if d == a || strings.HasPrefix(d, a+"/") {
					allowedDep = true
				}
			}
			if !allowedDep {
				t.Errorf("%s imports %s, which the layering forbids", pkg, d)
			}
		}
	}
}

// modulePath is the module's import path, as go.mod names it.
const modulePath = "github.com/ferry-dtn/ferry"
