package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

// The example network under contrib/examples: which node each file is.
var exampleNodes = map[string]string{"leaf.hjson": "alice", "relay.hjson": "hub", "carrier.hjson": "farm"}

const examplesDir = "../../contrib/examples"

func TestExampleConfigsAccepted(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.hjson"))
	if len(files) != len(exampleNodes) {
		t.Fatalf("contrib/examples has %d configs, the test knows %d", len(files), len(exampleNodes))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := ferry(t, nil, "cfgmin", "--cfg", f)
			if r.code != 0 || bytes.Contains(r.stdout, []byte("prv")) {
				t.Fatalf("ferry cfgmin: exit %d: %s%s", r.code, r.stderr, r.stdout)
			}
			needNNCP(t, "nncp-cfgmin")
			if out, err := exec.Command("nncp-cfgmin", "-cfg", f).CombinedOutput(); err != nil {
				t.Fatalf("nncp-cfgmin: %v\n%s", err, out)
			}
		})
	}
}

// Each example knows the others by the keys they really have, and the
// nodes it does not meet are routed through the relay.
func TestExampleConfigsAgree(t *testing.T) {
	t.Parallel()
	self := map[string]*cfg.Node{}
	loaded := map[string]*cfg.Config{}
	for file, name := range exampleNodes {
		c, err := cfg.Load(filepath.Join(examplesDir, file), cfg.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Self == nil {
			t.Fatalf("%s has no private keys", file)
		}
		loaded[name], self[name] = c, c.Neigh["self"]
	}
	for name, c := range loaded {
		for other, want := range self {
			if other == name {
				continue
			}
			got := c.Neigh[other]
			if got == nil {
				t.Errorf("%s does not know %s", name, other)
				continue
			}
			if got.ID != want.ID || got.ExchPub != want.ExchPub || !got.SignPub.Equal(want.SignPub) {
				t.Errorf("%s has other keys for %s than %s's own", name, other, other)
			}
			if got.NoisePub != nil && *got.NoisePub != *want.NoisePub {
				t.Errorf("%s has another noisepub for %s", name, other)
			}
			direct := name == "hub" || other == "hub"
			if routed := len(got.Via) == 1 && got.Via[0] == self["hub"].ID; direct == routed {
				t.Errorf("%s reaches %s with via %v: want %s", name, other, got.Via, map[bool]string{true: "direct", false: "via hub"}[direct])
			}
		}
	}
}
