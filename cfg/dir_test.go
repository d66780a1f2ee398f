package cfg_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
)

const fullCfg = "testdata/dir/full.hjson" // every key nncp-cfgdir knows

func mustParse(t *testing.T, data []byte) *cfg.Config {
	t.Helper()
	c, err := cfg.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameConfig compares loaded configs; compiled regexps compare by source.
func sameConfig(t *testing.T, what string, got, want *cfg.Config) {
	t.Helper()
	g, w := *got, *want
	var gs, ws []string
	for _, r := range g.MCDListen {
		gs = append(gs, r.String())
	}
	for _, r := range w.MCDListen {
		ws = append(ws, r.String())
	}
	g.MCDListen, w.MCDListen = nil, nil
	if !reflect.DeepEqual(gs, ws) {
		t.Errorf("%s: mcd-listen %q, want %q", what, gs, ws)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: config differs:\n got %+v\nwant %+v", what, g, w)
	}
}

func TestDirRoundTrip(t *testing.T) {
	data, err := os.ReadFile(fullCfg)
	if err != nil {
		t.Fatal(err)
	}
	// ferry's own key rides along (nncp-cfgdir ignores its file).
	data = []byte(strings.Replace(string(data), "nohdr: true", "nohdr: true\n  autoreass: true\n  ferry-reserve: 67108864\n  ferry-age: {\n    tx: 30d\n    tmp: never\n  }\n  ferry-quota: {\n    rx-bytes: 2G\n    tx-packets: 100\n  }", 1))
	data = []byte(strings.Replace(string(data), "    bob:\n    {\n", "    bob:\n    {\n      ferry-quota: {\n        tx-bytes: 1048576\n        rx-packets: 5\n      }\n", 1))
	want := mustParse(t, data)
	if want.Ages["tx"] != 30*24*time.Hour || len(want.Ages) != 2 || !want.AutoReass || want.Reserve.Bytes != 64<<20 || want.Quota.RX.Bytes != 2<<30 || want.Neigh["bob"].Quota.TX.Bytes != 1<<20 || len(want.MCDListen) != 2 || len(want.Neigh["bob"].Calls) != 2 || want.Notify.File == nil {
		t.Fatal("the test config lost keys")
	}
	dir := filepath.Join(t.TempDir(), "cfg")
	if _, err := cfg.WriteDir(data, dir); err != nil {
		t.Fatal(err)
	}
	js, err := cfg.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "ReadDir", mustParse(t, js), want)
	c, err := cfg.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "Load(dir)", c, want)
	h, err := cfg.FormatHjson(js)
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "FormatHjson", mustParse(t, h), want)
}

func TestDirLayout(t *testing.T) {
	data, _ := os.ReadFile(fullCfg)
	dir := t.TempDir()
	if _, err := cfg.WriteDir(data, dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, text string
		mode       os.FileMode // 0: not checked
	}{
		{"spool", "/lab/alice/spool\n", 0},
		{"umask", "022\n", 0},
		{"noprogress", "", 0},
		{"nohdr", "", 0},
		{"mcd-listen", "eth.*\nlo\n", 0},
		{"mcd-send/eth0", "60\n", 0},
		{"notify/exec/bob.sendmail/to", "mail@alice\n", 0},
		{"self/exchprv", "3ARCPAE4XJSLVLIOAB2JF6QLKLAJ344VPZZKVO5VAGYD4GX7K3IQ\n", 0o600},
		{"self/signprv", "", 0o600},
		{"areas/testarea/prv", "", 0o600},
		{"neigh/bob/exec/cat", "/bin/sh\n-c\ncat > /lab/out\n", 0},
		{"neigh/bob/freq/maxsize", "1048576\n", 0},
		{"neigh/carol/via", "bob\n", 0},
		{"neigh/bob/calls/0/cron", "*/5 * * * *\n", 0},
		{"neigh/bob/calls/0/when-tx-exists", "", 0},
		{"neigh/bob/calls/1/autotoss-noarea", "", 0},
		{"yggdrasil-aliases/home", "200:1234::1\n", 0},
	} {
		p := filepath.Join(dir, c.path)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if c.text != "" && string(b) != c.text {
			t.Errorf("%s: %q, want %q", c.path, b, c.text)
		}
		if fi, _ := os.Stat(p); c.mode != 0 && fi.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %o, want %o", c.path, fi.Mode().Perm(), c.mode)
		}
	}
	for _, absent := range []string{"autoreass", "neigh/bob/calls/1/nice", "neigh/carol/addrs"} {
		if _, err := os.Stat(filepath.Join(dir, absent)); err == nil {
			t.Errorf("%s written for a key the config does not set", absent)
		}
	}
}

func TestReadDirRules(t *testing.T) {
	data, _ := os.ReadFile(fullCfg)
	for _, c := range []struct {
		name  string
		edit  func(dir string) error
		check func(t *testing.T, c *cfg.Config, err error)
	}{
		{"missing required id", func(d string) error { return os.Remove(filepath.Join(d, "neigh/bob/id")) },
			func(t *testing.T, _ *cfg.Config, err error) {
				if err == nil || !strings.Contains(err.Error(), "neigh.bob.id: required") {
					t.Errorf("got %v", err)
				}
			}},
		{"missing spool", func(d string) error { return os.Remove(filepath.Join(d, "spool")) },
			func(t *testing.T, _ *cfg.Config, err error) {
				if err == nil || !strings.Contains(err.Error(), "spool: required") {
					t.Errorf("got %v", err)
				}
			}},
		{"integer not a number", func(d string) error {
			return os.WriteFile(filepath.Join(d, "neigh/bob/rxrate"), []byte("fast\n"), 0o666)
		}, func(t *testing.T, _ *cfg.Config, err error) {
			if err == nil || !strings.Contains(err.Error(), `neigh.bob.rxrate: got "fast", want an integer`) {
				t.Errorf("got %v", err)
			}
		}},
		{"dot names ignored", func(d string) error {
			for _, p := range []string{"neigh/.git", "neigh/bob/addrs/.swp", "mcd-send/.old"} {
				if err := os.WriteFile(filepath.Join(d, p), []byte("x\n"), 0o666); err != nil {
					return err
				}
			}
			return nil
		}, func(t *testing.T, c *cfg.Config, err error) {
			if err != nil || len(c.Neigh["bob"].Addrs) != 1 || len(c.MCDSend) != 2 {
				t.Errorf("got %v", err)
			}
		}},
		{"calls in numeric order, other names ignored", func(d string) error {
			calls := filepath.Join(d, "neigh/bob/calls")
			if err := os.Rename(filepath.Join(calls, "0"), filepath.Join(calls, "10")); err != nil {
				return err
			}
			if err := os.Mkdir(filepath.Join(calls, "notes"), 0o777); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(calls, "7"), nil, 0o666)
		}, func(t *testing.T, c *cfg.Config, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if calls := c.Neigh["bob"].Calls; len(calls) != 2 || calls[0].Cron != "0 * * * *" || calls[1].Cron != "*/5 * * * *" {
				t.Errorf("calls %+v", calls)
			}
		}},
		{"flag file with content is still true", func(d string) error {
			return os.WriteFile(filepath.Join(d, "noprogress"), []byte("yes\n"), 0o666)
		}, func(t *testing.T, c *cfg.Config, err error) {
			if err != nil || !c.NoProgress {
				t.Errorf("got %v", err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := cfg.WriteDir(data, dir); err != nil {
				t.Fatal(err)
			}
			if err := c.edit(dir); err != nil {
				t.Fatal(err)
			}
			conf, err := cfg.Load(dir)
			c.check(t, conf, err)
		})
	}
}

func TestWriteDirRefuses(t *testing.T) {
	for _, c := range []struct{ name, config, want string }{
		{"a name that climbs out", `{"spool": "/s", "log": "/l", "neigh": {"../x": {"id": "A"}}}`, `neigh.../x: cannot be written`},
		{"a name with a slash", `{"spool": "/s", "log": "/l", "neigh": {"bob": {"addrs": {"a/b": "x"}}}}`, `neigh.bob.addrs.a/b: cannot be written`},
		{"a hidden name", `{"spool": "/s", "log": "/l", "mcd-send": {".lo": 1}}`, `mcd-send..lo: cannot be written`},
		{"a newline in a list item", `{"spool": "/s", "log": "/l", "neigh": {"bob": {"via": ["a\nb"]}}}`, `neigh.bob.via: "a\nb" holds a newline`},
		{"a string where an integer goes", `{"spool": "/s", "log": "/l", "neigh": {"bob": {"rxrate": "10"}}}`, `neigh.bob.rxrate: got 10, want an integer`},
		{"a fraction", `{"spool": "/s", "log": "/l", "neigh": {"bob": {"rxrate": 1.5}}}`, `neigh.bob.rxrate: got 1.5, want an integer`},
		{"not an object", `[1, 2]`, `must be an object`},
	} {
		_, err := cfg.WriteDir([]byte(c.config), filepath.Join(t.TempDir(), "d"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// Keys match as encoding/json matches them, ignoring case.
func TestWriteDirKeyCase(t *testing.T) {
	dir := t.TempDir()
	if _, err := cfg.WriteDir([]byte(`{"Spool": "/s", "LOG": "/l", "NoProgress": true}`), dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"spool": "/s\n", "log": "/l\n", "noprogress": ""} {
		if b, err := os.ReadFile(filepath.Join(dir, p)); err != nil || string(b) != want {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
}

// snapshot maps every path under dir to its contents ("/" for a
// directory).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			m[rel] = "/"
			return nil
		}
		b, err := os.ReadFile(p)
		m[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDirEmptyExecHandle(t *testing.T) {
	dir := t.TempDir()
	if _, err := cfg.WriteDir([]byte(`{"spool": "/s", "log": "/l", "neigh": {"bob": {"exec": {"e": []}, "via": []}}}`), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "neigh/bob/exec/e")); err != nil || string(b) != "\n" {
		t.Errorf("empty handle: %q %v, want a file with one newline as nncp-cfgdir writes", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "neigh/bob/via")); err == nil {
		t.Error("an empty via list was written")
	}
}

// FuzzConfigDir: a directory ferry wrote reads back to a config that
// dumps to the very same directory.
func FuzzConfigDir(f *testing.F) {
	full, _ := os.ReadFile(fullCfg)
	f.Add(full)
	f.Add([]byte(`{"spool": "/s", "log": "/l", "neigh": {"bob": {"id": "A", "exchpub": "B", "signpub": "C", "calls": [{"cron": "x", "nock": true}], "exec": {"e": []}}}}`))
	f.Add([]byte(`{"spool": "/s", "log": "/l", "mcd-send": {"lo": 1}, "notify": {"exec": {"a.b": {"from": "f", "to": "t"}}}}`))
	f.Add([]byte(`{"spool": "/s", "log": "/l", "neigh": {"bob": {"id": "A", "exchpub": "B", "signpub": "C", "ferry-via-alt": [[], ["c", "d"], [""]], "ferry-failover": "1h"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		one, two := filepath.Join(root, "1"), filepath.Join(root, "2")
		if _, err := cfg.WriteDir(data, one); err != nil {
			return
		}
		js, err := cfg.ReadDir(one)
		if err != nil {
			return // e.g. a required key missing from the input
		}
		ws, err := cfg.WriteDir(js, two)
		if err != nil {
			t.Fatalf("ferry cannot dump what it read back from its own dump: %v", err)
		}
		if len(ws) > 0 {
			t.Fatalf("a directory read back holds keys its dump does not write: %v", ws)
		}
		a, b := snapshot(t, one), snapshot(t, two)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("dump of the read-back differs:\n%v\n%v", a, b)
		}
	})
}
