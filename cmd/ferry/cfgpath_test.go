package main

import (
	"reflect"
	"testing"
)

// TestCfgSearchPath: a packager's default first, then Debian's, then
// NNCP's upstream default.
func TestCfgSearchPath(t *testing.T) {
	old := DefaultCfg
	defer func() { DefaultCfg = old }()
	DefaultCfg = ""
	if got := cfgSearchPath(); !reflect.DeepEqual(got, []string{"/etc/nncp.hjson", "/usr/local/etc/nncp.hjson"}) {
		t.Errorf("default search path %q", got)
	}
	DefaultCfg = "/opt/ferry/nncp.hjson"
	if got := cfgSearchPath(); !reflect.DeepEqual(got, []string{"/opt/ferry/nncp.hjson", "/etc/nncp.hjson", "/usr/local/etc/nncp.hjson"}) {
		t.Errorf("packager's search path %q", got)
	}
}

// The build-time default config path (make NNCP_CFG=PATH, -X
// main.DefaultCfg) is checked by TestFreshCloneVersionAndReproducibleBuilds,
// which builds with it anyway.
