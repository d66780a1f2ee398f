package cfg_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
)

const day = 24 * time.Hour

func TestParseAge(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * day, true},
		{"1d", day, true},
		{"36h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{" 30d ", 30 * day, true},
		{"never", 0, true},
		{"0", 0, false},
		{"0d", 0, false},
		{"0s", 0, false},
		{"-1h", 0, false},
		{"-7d", 0, false},
		{"d", 0, false},
		{"7", 0, false},
		{"7w", 0, false},
		{"99999999999999d", 0, false},
		{"", 0, false},
		{"Never", 0, false},
	} {
		got, err := cfg.ParseAge(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestFormatAgeRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, day, 7 * day, 36 * time.Hour, 90 * time.Minute, 1500 * time.Millisecond} {
		back, err := cfg.ParseAge(cfg.FormatAge(d))
		if err != nil || back != d {
			t.Errorf("%v printed %q, read back %v, %v", d, cfg.FormatAge(d), back, err)
		}
	}
}

// ferry-age at the top level and per neighbour: what each node gets for
// each key, the defaults where nothing is set, and the errors naming the
// field.
func TestAgeKeys(t *testing.T) {
	base := string(labConfig(t, "alice"))
	top := func(lines string) string { return strings.Replace(base, "{", "{\n  ferry-age: {\n"+lines+"\n  }\n", 1) }
	bob := func(lines string) string {
		return strings.Replace(base, "    bob:\n    {\n", "    bob:\n    {\n      ferry-age: {\n"+lines+"\n      }\n", 1)
	}
	bobID := labNodes["bob"].id
	for _, c := range []struct {
		name string
		text string
		want map[string]time.Duration // for bob
	}{
		{"defaults", base, map[string]time.Duration{"tx": 0, "rx": 0, "bad": 0, "part": 7 * day, "nock": 7 * day,
			"seen": 30 * day, "hdr": 7 * day, "tmp": 7 * day, "area": 30 * day}},
		{"top level", top("tx: 30d\nrx: 14d\nbad: 60d\npart: 2d\nnock: 3d\nseen: 90d\nhdr: 1d\ntmp: 12h\narea: never"),
			map[string]time.Duration{"tx": 30 * day, "rx": 14 * day, "bad": 60 * day, "part": 2 * day, "nock": 3 * day,
				"seen": 90 * day, "hdr": day, "tmp": 12 * time.Hour, "area": 0}},
		{"quoted", top(`tx: "30d"`), map[string]time.Duration{"tx": 30 * day, "part": 7 * day}},
		{"neighbour over top level", strings.Replace(bob("tx: 90d\npart: never"), "{", "{\n  ferry-age: {\n    tx: 30d\n    seen: 1d\n  }\n", 1),
			map[string]time.Duration{"tx": 90 * day, "part": 0, "seen": day, "nock": 7 * day}},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf, err := cfg.Parse([]byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if len(conf.Warnings) > 0 {
				t.Errorf("warnings: %v", conf.Warnings)
			}
			n, err := conf.FindNode("bob")
			if err != nil || n.ID.String() != bobID {
				t.Fatal(n, err)
			}
			for k, want := range c.want {
				if got := conf.MaxAge(n.ID, k); got != want {
					t.Errorf("%s: %v, want %v", k, got, want)
				}
			}
		})
	}
	// The neighbour's limit is its own: another node keeps the top level's.
	conf, err := cfg.Parse([]byte(strings.Replace(bob("tx: 90d"), "{", "{\n  ferry-age: {\n    tx: 30d\n  }\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	carol, _ := conf.FindNode("carol")
	if got := conf.MaxAge(carol.ID, "tx"); got != 30*day {
		t.Errorf("carol's tx: %v, want the top level's 30d", got)
	}
	for _, c := range []struct{ text, path string }{
		{top("tx: 0"), "ferry-age.tx"},
		{top("tx: 7"), "ferry-age.tx"},
		{top("part: soon"), "ferry-age.part"},
		{top("seen: -1d"), "ferry-age.seen"},
		{top("area: [\n7d\n]"), "ferry-age.area"},
		{bob("tmp: 1d"), "neigh.bob.ferry-age.tmp"},
		{bob("rx: 0s"), "neigh.bob.ferry-age.rx"},
	} {
		_, err := cfg.Parse([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: want an error naming %s, got %v", c.path, c.path, err)
		}
	}
	// A misspelt limit is warned about, as any unknown key.
	conf, err = cfg.Parse([]byte(top("prat: 1d")))
	if err != nil || len(conf.Warnings) != 1 || !strings.Contains(conf.Warnings[0].String(), "ferry-age.prat") {
		t.Errorf("misspelt key: %v, %v", conf, err)
	}
}

// NNCP ignores ferry-age: the same file serves both.
func TestAgeKeyIgnoredByNNCP(t *testing.T) {
	bin := needNNCP(t, "nncp-cfgmin")
	text, err := cfg.Generate(cfg.GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "node.hjson")
	if err := os.WriteFile(p, []byte(strings.Replace(text, "{", "{\n  ferry-age: {\n    tx: 30d\n    part: 2d\n  }\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-cfg", p).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgmin rejected ferry-age: %v\n%s", err, out)
	}
}

// FuzzParseAge: whatever is accepted prints back to the same age.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"7d", "36h", "never", "0", "1.5h", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := cfg.ParseAge(s)
		if err != nil {
			return
		}
		back, err := cfg.ParseAge(cfg.FormatAge(d))
		if err != nil || back != d {
			t.Fatalf("%q read as %v, printed %q, read back %v, %v", s, d, cfg.FormatAge(d), back, err)
		}
	})
}
