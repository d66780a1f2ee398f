package cfg_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "0", want: 0},
		{in: "1000", want: 1000},
		{in: "2G", want: 2 << 30},
		{in: "300MiB", want: 300 << 20},
		{in: " 4 k ", want: 4 << 10},
		{in: "1T", want: 1 << 40},
		{in: "", bad: true},
		{in: "-1", bad: true},
		{in: "1.5G", bad: true},
		{in: "2%", bad: true},
		{in: "8X", bad: true},
		{in: "9999999999999T", bad: true},
	} {
		got, err := cfg.ParseSize(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %d", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// ferry-quota is an object at the top (every queue together) and in a
// neighbour (its own queues); bytes take a suffix, packets a count, and
// a field left out is unlimited. A wrong value names its field.
func TestQuotaKey(t *testing.T) {
	base := string(labConfig(t, "alice"))
	// Hjson ends an unquoted value at the end of its line: one field a line.
	obj := func(fields []string) string { return "{\n" + strings.Join(fields, "\n") + "\n}" }
	top := func(fields ...string) string {
		return strings.Replace(base, "{", "{\n  ferry-quota: "+obj(fields)+"\n", 1)
	}
	bob := func(fields ...string) string {
		return strings.Replace(base, "    bob:\n    {", "    bob:\n    {\n      ferry-quota: "+obj(fields)+"\n", 1)
	}
	c, err := cfg.Parse([]byte(base))
	if err != nil || c.Quota.Set() || c.AnyQuota() {
		t.Fatalf("no key: %v, %+v", err, c.Quota)
	}
	if !strings.Contains(bob(), "ferry-quota") {
		t.Fatal("the lab config has no bob section to put a quota in")
	}
	for _, tc := range []struct {
		text     string
		all, own cfg.Quota
	}{
		{top(`rx-bytes: 10G`, `tx-packets: 1000`), cfg.Quota{RX: cfg.Limit{Bytes: 10 << 30}, TX: cfg.Limit{Packets: 1000}}, cfg.Quota{}},
		{top(`rx-bytes: 1048576`, `rx-packets: "7"`, `tx-bytes: "512M"`, `tx-packets: 0`), cfg.Quota{RX: cfg.Limit{Bytes: 1 << 20, Packets: 7}, TX: cfg.Limit{Bytes: 512 << 20}}, cfg.Quota{}},
		{bob(`tx-bytes: 2G`, `tx-packets: 50`), cfg.Quota{}, cfg.Quota{TX: cfg.Limit{Bytes: 2 << 30, Packets: 50}}},
		{bob(`rx-bytes: 64K`), cfg.Quota{}, cfg.Quota{RX: cfg.Limit{Bytes: 64 << 10}}},
		{bob(), cfg.Quota{}, cfg.Quota{}},
	} {
		c, err := cfg.Parse([]byte(tc.text))
		if err != nil {
			t.Errorf("%s: %v", tc.text, err)
			continue
		}
		own, all := c.Quotas(c.Neigh["bob"].ID)
		if all != tc.all || own != tc.own {
			t.Errorf("quotas for bob: own %+v all %+v; want own %+v all %+v", own, all, tc.own, tc.all)
		}
		if c.AnyQuota() != (tc.all.Set() || tc.own.Set()) {
			t.Errorf("AnyQuota %v with own %+v all %+v", c.AnyQuota(), own, all)
		}
		if own, _ := c.Quotas(c.Neigh["carol"].ID); own != (cfg.Quota{}) {
			t.Errorf("carol got bob's quota %+v", own)
		}
	}
	for text, field := range map[string]string{
		top(`rx-bytes: lots`):     "ferry-quota.rx-bytes",
		top(`tx-bytes: 5%`):       "ferry-quota.tx-bytes",
		top(`rx-packets: -1`):     "ferry-quota.rx-packets",
		top(`tx-packets: 2.5`):    "ferry-quota.tx-packets",
		bob(`rx-packets: [1]`):    "neigh.bob.ferry-quota.rx-packets",
		bob(`tx-bytes: "1.5G"`):   "neigh.bob.ferry-quota.tx-bytes",
		top(`rx-packets: "many"`): "ferry-quota.rx-packets",
	} {
		if _, err := cfg.Parse([]byte(text)); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("want an error naming %s, got %v", field, err)
		}
	}
	// A misspelt field is warned about like any unknown key.
	c, err = cfg.Parse([]byte(top(`rx-byte: 1G`)))
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), "ferry-quota.rx-byte") {
		t.Errorf("misspelt field: %v, warnings %v", err, c.Warnings)
	}
}

// NNCP ignores ferry-quota, at the top and in a neighbour: the same file
// serves both. Checked with the real loaders, nncp-cfgmin and nncp-stat
// (which also opens the spool).
func TestQuotaKeyIgnoredByNNCP(t *testing.T) {
	cfgmin := needNNCP(t, "nncp-cfgmin")
	stat := needNNCP(t, "nncp-stat")
	text, err := cfg.Generate(cfg.GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text = strings.Replace(text, "{", "{\n  ferry-quota: {\n    rx-bytes: 2G\n    rx-packets: 100\n    tx-bytes: 1048576\n    tx-packets: \"50\"\n  }\n", 1)
	text = strings.Replace(text, "\n    self: {", "\n    self: {\n      ferry-quota: {\n        tx-bytes: 1G\n        rx-packets: 3\n      }\n", 1)
	if !strings.Contains(text, "      ferry-quota") {
		t.Fatal("generated config has no neigh.self section to put a quota in")
	}
	text = strings.NewReplacer("/var/spool/nncp/log", filepath.Join(dir, "log"), "/var/spool/nncp", filepath.Join(dir, "spool")).Replace(text)
	c, err := cfg.Parse([]byte(text))
	if err != nil || c.Quota.RX.Bytes != 2<<30 || c.Neigh["self"].Quota.TX.Bytes != 1<<30 {
		t.Fatalf("ferry read %v, %+v", err, c)
	}
	p := filepath.Join(dir, "node.hjson")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cfgmin, "-cfg", p).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgmin rejected ferry-quota: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(dir, "spool"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(stat, "-cfg", p).CombinedOutput(); err != nil {
		t.Fatalf("nncp-stat rejected ferry-quota: %v\n%s", err, out)
	}
	// As a config directory, its ferry-quota directories beside NNCP's
	// keys: nncp-cfgdir loads it all the same.
	cfgdir := needNNCP(t, "nncp-cfgdir")
	d := filepath.Join(dir, "cfg.d")
	if _, err := cfg.WriteDir([]byte(text), d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "neigh", "self", "ferry-quota", "tx-bytes")); err != nil {
		t.Fatalf("the directory lacks the neighbour's quota: %v", err)
	}
	if out, err := exec.Command(cfgdir, "-load", d).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgdir -load rejected ferry-quota: %v\n%s", err, out)
	}
}

// FuzzParseSize: whatever is accepted is a non-negative count that reads
// back the same from its digits.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "64M", "2GiB", "1T", "10k", "x", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := cfg.ParseSize(s)
		if err != nil {
			return
		}
		back, err := cfg.ParseSize(strconv.FormatInt(n, 10))
		if n < 0 || err != nil || back != n {
			t.Fatalf("%q parsed as %d, reparsed %d, %v", s, n, back, err)
		}
	})
}
