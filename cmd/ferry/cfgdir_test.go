package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

// Config directories both ways with the real nncp-cfgdir, on a config
// that sets every key the layout knows.

const fullCfg = "../../cfg/testdata/dir/full.hjson"

// tree maps each path under dir to its mode and contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		v := fi.Mode().String()
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		m[rel] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// equivalent loads both configs and compares them, regexps by source.
func equivalent(t *testing.T, what string, got []byte, want *cfg.Config) {
	t.Helper()
	c, err := cfg.Parse(got)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	g, w := *c, *want
	if len(g.MCDListen) != len(w.MCDListen) {
		t.Fatalf("%s: %d mcd-listen entries, want %d", what, len(g.MCDListen), len(w.MCDListen))
	}
	for i := range g.MCDListen {
		if g.MCDListen[i].String() != w.MCDListen[i].String() {
			t.Errorf("%s: mcd-listen %s, want %s", what, g.MCDListen[i], w.MCDListen[i])
		}
	}
	g.MCDListen, w.MCDListen = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: not the same config:\n got %+v\nwant %+v", what, g, w)
	}
}

func TestCfgdirInterop(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-cfgdir")
	want, err := cfg.Load(fullCfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	nncpDir, ferryDir := filepath.Join(dir, "nncp"), filepath.Join(dir, "ferry")
	if out, err := exec.Command("nncp-cfgdir", "-cfg", fullCfg, "-dump", nncpDir).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgdir -dump: %v %s", err, out)
	}
	if r := ferry(t, nil, "cfgdir", "--cfg", fullCfg, "--dump", ferryDir); r.code != 0 {
		t.Fatalf("ferry cfgdir --dump: %s", r.stderr)
	}
	// The same files, contents and modes.
	nt, ft := tree(t, nncpDir), tree(t, ferryDir)
	for p, v := range nt {
		if ft[p] != v {
			t.Errorf("%s: nncp wrote %q, ferry %q", p, v, ft[p])
		}
	}
	for p := range ft {
		if _, ok := nt[p]; !ok {
			t.Errorf("%s: written by ferry only", p)
		}
	}
	if len(nt) < 80 {
		t.Fatalf("only %d paths dumped", len(nt))
	}

	// nncp's directory loads in ferry, through every door.
	r := ferry(t, nil, "cfgdir", "--load", nncpDir)
	if r.code != 0 {
		t.Fatalf("ferry cfgdir --load: %s", r.stderr)
	}
	equivalent(t, "ferry cfgdir --load of nncp's dump", r.stdout, want)
	js, err := cfg.ReadSource(nncpDir)
	if err != nil {
		t.Fatal(err)
	}
	equivalent(t, "--cfg DIR of nncp's dump", js, want)
	minWant := ferry(t, nil, "cfgmin", "--cfg", fullCfg)
	if r := ferry(t, nil, "cfgmin", "--cfg", nncpDir); r.code != 0 || !bytes.Equal(r.stdout, minWant.stdout) {
		t.Errorf("ferry cfgmin --cfg DIR: exit %d, %s", r.code, r.stderr)
	}
	cmd := exec.Command(ferryBin, "cfgmin")
	cmd.Env = append(os.Environ(), "NNCPCFG="+nncpDir)
	if out, err := cmd.Output(); err != nil || !bytes.Equal(out, minWant.stdout) {
		t.Errorf("NNCPCFG=DIR: %v", err)
	}

	// ferry's directory loads in nncp.
	out, err := exec.Command("nncp-cfgdir", "-load", ferryDir).Output()
	if err != nil {
		t.Fatalf("nncp-cfgdir -load of ferry's dump: %v", err)
	}
	equivalent(t, "nncp-cfgdir -load of ferry's dump", out, want)
	// ...and ferry reads nncp's Hjson of it back.
	hj := filepath.Join(dir, "back.hjson")
	mustWrite(t, hj, out, 0o600)
	if r := ferry(t, nil, "cfgmin", "--cfg", hj); r.code != 0 || !bytes.Equal(r.stdout, minWant.stdout) {
		t.Errorf("cfgmin of nncp-cfgdir -load output: %s", r.stderr)
	}
}

// ferry's own key survives its round trip and does not bother nncp.
func TestCfgdirFerryKeys(t *testing.T) {
	t.Parallel()
	text := strings.Replace(string(mustRead(t, fullCfg)), "nohdr: true", "nohdr: true\n  autoreass: true", 1)
	src := filepath.Join(t.TempDir(), "c.hjson")
	mustWrite(t, src, []byte(text), 0o600)
	dir := filepath.Join(t.TempDir(), "d")
	if r := ferry(t, nil, "cfgdir", "--cfg", src, "--dump", dir); r.code != 0 {
		t.Fatal(string(r.stderr))
	}
	c, err := cfg.Load(dir)
	if err != nil || !c.AutoReass {
		t.Fatalf("autoreass lost: %v", err)
	}
	if _, err := exec.LookPath("nncp-cfgdir"); err == nil {
		if out, err := exec.Command("nncp-cfgdir", "-load", dir).CombinedOutput(); err != nil {
			t.Errorf("nncp-cfgdir -load with ferry's autoreass file: %v %s", err, out)
		}
	}
}

func TestCfgdirErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if r := ferry(t, nil, "cfgdir", "--cfg", fullCfg, "--dump", dir); r.code != 0 {
		t.Fatal(string(r.stderr))
	}
	mustRemove(t, filepath.Join(dir, "neigh", "bob", "exchpub"))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cfgdir", dir}, 2, "exactly one of --dump and --load"},
		{[]string{"cfgdir", "--dump", "--load", dir}, 2, "exactly one of --dump and --load"},
		{[]string{"cfgdir", "--load"}, 2, "want one DIR"},
		{[]string{"cfgdir", "--load", dir}, 1, "ferry: error: cfgdir: load " + dir + ": neigh.bob.exchpub: required, and there is no file " + filepath.Join(dir, "neigh/bob/exchpub")},
		{[]string{"cfgmin", "--cfg", dir}, 1, "ferry: error: load config: config directory " + dir + ": neigh.bob.exchpub: required"},
		{[]string{"cfgdir", "--cfg", "/nonexistent.hjson", "--dump", dir}, 1, "no such file"},
	} {
		r := ferry(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}

// nncp-cfgdir -dump of an encrypted config asks for its passphrase; so
// does ferry, and the directory is the plain config's.
func TestCfgdirDumpsEncryptedConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plainDir, encDir := filepath.Join(dir, "plain"), filepath.Join(dir, "enc")
	if r := ferry(t, nil, "cfgdir", "--cfg", filepath.Join(eblobDir, "plain.hjson"), "--dump", plainDir); r.code != 0 {
		t.Fatal(string(r.stderr))
	}
	cmd := ferryCmd(nil, "cfgdir", "--cfg", filepath.Join(eblobDir, "s33-t3-p3.eblob"), "--dump", encDir)
	if screen, err := onTerminal(t, cmd, "correct horse battery staple\n"); err != nil {
		t.Fatalf("%v, terminal %q", err, screen)
	}
	if a, b := tree(t, plainDir), tree(t, encDir); !reflect.DeepEqual(a, b) {
		t.Errorf("the dump of the encrypted config differs from the plain one's")
	}
}
