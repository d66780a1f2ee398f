package cfg_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

func TestParseReserve(t *testing.T) {
	for _, c := range []struct {
		in   string
		want cfg.Reserve
		bad  bool
	}{
		{in: "0", want: cfg.Reserve{Set: true}},
		{in: "1048576", want: cfg.Reserve{Set: true, Bytes: 1 << 20}},
		{in: "256M", want: cfg.Reserve{Set: true, Bytes: 256 << 20}},
		{in: "256MiB", want: cfg.Reserve{Set: true, Bytes: 256 << 20}},
		{in: "2g", want: cfg.Reserve{Set: true, Bytes: 2 << 30}},
		{in: "10K", want: cfg.Reserve{Set: true, Bytes: 10 << 10}},
		{in: "1T", want: cfg.Reserve{Set: true, Bytes: 1 << 40}},
		{in: "2%", want: cfg.Reserve{Set: true, Percent: 2}},
		{in: " 0.5 %", want: cfg.Reserve{Set: true, Percent: 0.5}},
		{in: "", bad: true},
		{in: "M", bad: true},
		{in: "-1", bad: true},
		{in: "51%", bad: true},
		{in: "NaN%", bad: true},
		{in: "12X", bad: true},
		{in: "9999999999999T", bad: true},
		{in: "1.5G", bad: true},
	} {
		got, err := cfg.ParseReserve(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %+v", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestReserveOf(t *testing.T) {
	const mib, gib = 1 << 20, 1 << 30
	for _, c := range []struct {
		r     cfg.Reserve
		total uint64
		want  uint64
	}{
		{cfg.Reserve{}, 100 * gib, gib},        // default: 1%
		{cfg.Reserve{}, 2 * gib, 64 * mib},     // default: 64 MiB floor
		{cfg.Reserve{}, 100 * mib, 5 * mib},    // default: at most 5% of a tiny filesystem
		{cfg.Reserve{}, 1280 * mib, 64 * mib},  // where the floor meets the cap
		{cfg.Reserve{Set: true}, 100 * gib, 0}, // "0": no reserve
		{cfg.Reserve{Set: true, Bytes: 5 * mib}, 100 * mib, 5 * mib},
		{cfg.Reserve{Set: true, Percent: 10}, 100 * mib, 10 * mib},
	} {
		if got := c.r.Of(c.total); got != c.want {
			t.Errorf("%v of %d: %d, want %d", c.r, c.total, got, c.want)
		}
	}
}

// ferry-reserve is a top-level key, a number of bytes or a string; a
// wrong value names the field.
func TestReserveKey(t *testing.T) {
	base := string(labConfig(t, "alice"))
	with := func(line string) string { return strings.Replace(base, "{", "{\n  "+line+"\n", 1) }
	c, err := cfg.Parse([]byte(base))
	if err != nil || c.Reserve.Set {
		t.Fatalf("no key: %v, %+v", err, c.Reserve)
	}
	for line, want := range map[string]cfg.Reserve{
		"ferry-reserve: 512M":    {Set: true, Bytes: 512 << 20},
		"ferry-reserve: 3%":      {Set: true, Percent: 3},
		"ferry-reserve: 1000000": {Set: true, Bytes: 1000000},
		`ferry-reserve: "1G"`:    {Set: true, Bytes: 1 << 30},
		"ferry-reserve: 0":       {Set: true},
	} {
		c, err := cfg.Parse([]byte(with(line)))
		if err != nil || c.Reserve != want {
			t.Errorf("%s: %+v, %v", line, c.Reserve, err)
		}
	}
	for _, line := range []string{"ferry-reserve: lots", "ferry-reserve: 80%", "ferry-reserve: [1]", "ferry-reserve: -5"} {
		if _, err := cfg.Parse([]byte(with(line))); err == nil || !strings.Contains(err.Error(), "ferry-reserve") {
			t.Errorf("%s: want an error naming ferry-reserve, got %v", line, err)
		}
	}
}

// NNCP ignores the ferry-only key: the same file serves both.
func TestReserveKeyIgnoredByNNCP(t *testing.T) {
	bin := needNNCP(t, "nncp-cfgmin")
	text, err := cfg.Generate(cfg.GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "node.hjson")
	if err := os.WriteFile(p, []byte(strings.Replace(text, "{", "{\n  ferry-reserve: 2%\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-cfg", p).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgmin rejected ferry-reserve: %v\n%s", err, out)
	}
}

// FuzzParseReserve: whatever is accepted prints back to the same value.
func FuzzParseReserve(f *testing.F) {
	for _, s := range []string{"0", "64M", "2%", "0.5%", "1T", "10KiB", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := cfg.ParseReserve(s)
		if err != nil {
			return
		}
		back, err := cfg.ParseReserve(r.String())
		if err != nil || back != r {
			t.Fatalf("%q parsed as %+v, printed %q, reparsed %+v, %v", s, r, r.String(), back, err)
		}
	})
}
