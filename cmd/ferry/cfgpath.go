package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
)

// DefaultCfg is a packager's config path, looked at first; set it with
// -ldflags "-X main.DefaultCfg=/etc/ferry/nncp.hjson".
var DefaultCfg = ""

// debianCfg is where Debian's nncp package keeps the config.
const debianCfg = "/etc/nncp.hjson"

// cfgSearchPath is where ferry looks when neither --cfg nor NNCPCFG names
// a config: the build-time default, Debian's path, then NNCP's upstream
// default. The library takes a path; the search belongs to the command.
func cfgSearchPath() []string {
	var out []string
	for _, p := range []string{DefaultCfg, debianCfg, cfg.DefaultCfgPath} {
		if p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// findCfg returns the first config on the search path that exists.
func findCfg() (string, error) {
	paths := cfgSearchPath()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil || !errors.Is(err, os.ErrNotExist) {
			return p, nil // a config that exists but cannot be read says so at load
		}
	}
	return "", withHint(fmt.Errorf("load config: none found (looked at %s)", strings.Join(paths, ", ")),
		"give --cfg FILE or set NNCPCFG; 'ferry cfgnew > FILE' makes one")
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
