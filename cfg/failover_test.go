package cfg_test

import (
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

// withCarol is alice's lab config (carol via bob) with extra keys in
// carol's entry.
func withCarol(t *testing.T, extra string) []byte {
	t.Helper()
	s := string(labConfig(t, "alice"))
	const carolID = "      id: BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ\n"
	if !strings.Contains(s, carolID) {
		t.Fatal("alice's lab config has no carol entry")
	}
	return []byte(strings.Replace(s, carolID, carolID+extra+"\n", 1))
}

func TestFailoverKeys(t *testing.T) {

	c := mustParse(t, labConfig(t, "alice"))
	bob := c.Neigh["bob"].ID
	cases := []struct {
		name, extra string
		field       string // the error's field; "" when the config loads
		alt         [][]packet.ID
		wait        time.Duration
	}{
		{"none", "", "", nil, 0},
		{"direct alternative, default wait", "ferry: true\nferry-via-alt: [[]]", "", [][]packet.ID{{}}, cfg.DefaultFailover},
		{"given wait", "ferry: true\nferry-via-alt: [[]]\nferry-failover: 90m", "", [][]packet.ID{{}}, 90 * time.Minute},
		{"needs ferry", "ferry-via-alt: [[]]", "neigh.carol.ferry-via-alt", nil, 0},
		{"wait without routes", "ferry: true\nferry-failover: 1h", "neigh.carol.ferry-failover", nil, 0},
		{"bad wait", "ferry: true\nferry-via-alt: [[]]\nferry-failover: soon", "neigh.carol.ferry-failover", nil, 0},
		{"zero wait", "ferry: true\nferry-via-alt: [[]]\nferry-failover: 0s", "neigh.carol.ferry-failover", nil, 0},
		{"same as via", "ferry: true\nferry-via-alt: [[\"bob\"]]", "neigh.carol.ferry-via-alt[0]", nil, 0},
		{"repeated route", "ferry: true\nferry-via-alt: [[], []]", "neigh.carol.ferry-via-alt[1]", nil, 0},
		{"unknown relay", "ferry: true\nferry-via-alt: [[\"dave\"]]", "neigh.carol.ferry-via-alt[0][0]", nil, 0},
		{"through the destination", "ferry: true\nferry-via-alt: [[\"carol\"]]", "neigh.carol.ferry-via-alt[0][0]", nil, 0},
		{"through self", "ferry: true\nferry-via-alt: [[\"self\"]]", "neigh.carol.ferry-via-alt[0][0]", nil, 0},
		{"relay twice", "ferry: true\nferry-via-alt: [[], [\"bob\", \"bob\"]]", "neigh.carol.ferry-via-alt[1][1]", nil, 0},
		{"not a list of lists", "ferry: true\nferry-via-alt: [\"bob\"]", "neigh.carol", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cfg.Parse(withCarol(t, tc.extra))
			if tc.field != "" {
				var fe *cfg.FieldError
				if !errors.As(err, &fe) || !strings.HasPrefix(fe.Path, tc.field) {
					t.Fatalf("got %v, want an error naming %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			carol := c.Neigh["carol"]
			if !slices.EqualFunc(carol.ViaAlt, tc.alt, slices.Equal) || carol.Failover != tc.wait {
				t.Errorf("ViaAlt %v, Failover %s; want %v, %s", carol.ViaAlt, carol.Failover, tc.alt, tc.wait)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings for ferry's own keys: %v", c.Warnings)
			}
			routes := carol.Routes()
			if len(routes) != 1+len(tc.alt) || !slices.Equal(routes[0], []packet.ID{bob}) {
				t.Errorf("Routes() = %v", routes)
			}
		})
	}
}

// TestFailoverKeysInConfigDir: the routes survive the directory form,
// a direct one (an empty file) and one through a relay.
func TestFailoverKeysInConfigDir(t *testing.T) {
	bob := mustParse(t, labConfig(t, "alice")).Neigh["bob"].ID
	for _, tc := range []struct {
		name, extra string
		dropVia     bool
		want        [][]packet.ID
	}{
		{"direct", "ferry: true\nferry-via-alt: [[]]\nferry-failover: 2h", false, [][]packet.ID{{}}},
		{"through bob", "ferry: true\nferry-via-alt: [[\"bob\"]]\nferry-failover: 2h", true, [][]packet.ID{{bob}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := withCarol(t, tc.extra)
			if tc.dropVia {
				s, n := dropCarolVia(string(data))
				if n != 1 {
					t.Fatal("carol's via not found in alice's lab config")
				}
				data = []byte(s)
			}
			dir := filepath.Join(t.TempDir(), "cfg")
			if dropped, err := cfg.WriteDir(data, dir); err != nil || len(dropped) != 0 {
				t.Fatalf("WriteDir: %v, dropped %v", err, dropped)
			}
			js, err := cfg.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := mustParse(t, js).Neigh["carol"]
			if !slices.EqualFunc(got.ViaAlt, tc.want, slices.Equal) || got.Failover != 2*time.Hour {
				t.Errorf("after the directory form: ViaAlt %v, Failover %s; want %v", got.ViaAlt, got.Failover, tc.want)
			}
		})
	}
}

var carolVia = regexp.MustCompile(`(?m)^      via:\s*\[\s*bob\s*\]\n`)

func dropCarolVia(s string) (string, int) {
	n := len(carolVia.FindAllStringIndex(s, -1))
	return carolVia.ReplaceAllString(s, ""), n
}
