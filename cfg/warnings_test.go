package cfg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
)

// An unknown key loads (NNCP ignores it) but is warned about by its full
// path, with the nearest key valid at that place when one is close.
func TestUnknownKeysWarned(t *testing.T) {
	for _, c := range []struct {
		top, bob string
		want     []string // Warning.String() of each, in file order
	}{
		{"", "incomming: /in", []string{"line 14: neigh.bob.incomming: unknown key; did you mean incoming?"}},
		{"noprogres: true", "", []string{"line 17: noprogres: unknown key; did you mean noprogress?"}},
		{"frobnicate: 1", "", []string{"line 17: frobnicate: unknown key"}},
		{"", `calls: [{cron: "* * * * *"}, {cron: "* * * * *", autotoss-seen: true}]`,
			[]string{"line 14: neigh.bob.calls[1].autotoss-seen: unknown key; did you mean autotoss-doseen?"}},
		{"", `freq: {path: "/p", chunk: 1}`, []string{"line 14: neigh.bob.freq.chunk: unknown key; did you mean chunked?"}},
		{`notify: {file: {from: "a", to: "b"}, exec: {"bob.sendmail": {from: "a", too: "b"}}}`, "",
			[]string{"line 17: notify.exec.bob.sendmail.too: unknown key; did you mean to?"}},
		{`areas: {news: {id: "` + bobID + `", subz: ["bob"]}}`, "",
			[]string{"line 17: areas.news.subz: unknown key; did you mean subs?"}},
		// A key one level off is sent to where it goes.
		{"", "autotoss: true", []string{"line 14: neigh.bob.autotoss: unknown key here; it goes in neigh.NAME.calls[]"}},
		{"incoming: /in", "", []string{"line 17: incoming: unknown key here; it goes in areas.NAME or neigh.NAME"}},
		{"", "exchprv: x", []string{"line 14: neigh.bob.exchprv: unknown key here; it goes in self"}},
		{"", "addr: lan", []string{"line 14: neigh.bob.addr: unknown key; did you mean addrs?"}},
		// A warning is one line, whatever the key holds.
		{"", `"in\ncoming": 1`, []string{`line 14: "neigh.bob.in\ncoming": unknown key; did you mean incoming?`}},
		// Nothing is said about what is inside an unknown key.
		{"", "bogus: {incomming: 1, via: [{x: 1}]}", []string{"line 14: neigh.bob.bogus: unknown key"}},
		// Two in one object, in file order, each on its own line.
		{"", "rxrat: 1\n      txrat: 2", []string{
			"line 14: neigh.bob.rxrat: unknown key; did you mean rxrate?",
			"line 15: neigh.bob.txrat: unknown key; did you mean txrate?"}},
		// Keys match case-insensitively, as in NNCP: these are known.
		{"NoProgress: true", "Incoming: /in\n      ONLINEDEADLINE: 5", nil},
		// Names are never unknown, however much they look like keys.
		{"mcd-send: {incomming: 1}\nyggdrasil-aliases: {incomming: \"200::1\", x: \"y\"}", `exec: {incomming: ["/bin/true"]}
      addrs: {incomming: "127.0.0.1:5400"}`, nil},
		{`notify: {exec: {"*.incomming": {from: "a", to: "b"}}}`, "", nil},
		{`areas: {incomming: {id: "` + bobID + `", exec: {incomming: ["/bin/true"]}}}`, "", nil},
	} {
		conf, err := cfg.Parse([]byte(broken(c.top, c.bob)))
		if err != nil {
			t.Errorf("%s%s: %v", c.top, c.bob, err)
			continue
		}
		var got []string
		for _, w := range conf.Warnings {
			got = append(got, w.String())
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s%s:\n got %q\nwant %q", c.top, c.bob, got, c.want)
		}
	}
}

// The config's own neighbour names are names, even one spelt like a key.
func TestNeighNamedLikeAKey(t *testing.T) {
	text := strings.Replace(broken("", ""), "    bob: {", "    incomming: {", 1)
	c, err := cfg.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Neigh["incomming"] == nil || len(c.Warnings) > 0 {
		t.Errorf("neigh %v, warnings %v", c.Neigh["incomming"], c.Warnings)
	}
}

// NNCP's Yggdrasil addresses are refused when the config loads, naming
// the field, instead of failing to dial later.
func TestYggdrasilAddressesRefused(t *testing.T) {
	const msg = "yggdrasil addresses are not supported; run the Yggdrasil daemon and use its address"
	for _, c := range []struct{ bob, field string }{
		{`addrs: {ygg: "yggdrasilc://52be3c14?prv=myprv&mcast=all"}`, "neigh.bob.addrs.ygg"},
		{`addrs: {lan: "127.0.0.1:5400", ygg: "YggdrasilC://52be3c14"}`, "neigh.bob.addrs.ygg"},
		{`addrs: {y: "yggdrasils://571f:6789?bind=tcp://[::1]:1234"}`, "neigh.bob.addrs.y"},
		{`addrs: {y: " yggdrasil://52be"}`, "neigh.bob.addrs.y"},
		{`calls: [{cron: "* * * * *"}, {cron: "* * * * *", addr: "yggdrasilc://52be3c14"}]`, "neigh.bob.calls[1].addr"},
	} {
		_, err := cfg.Parse([]byte(broken("", c.bob)))
		var fe *cfg.FieldError
		if !errors.As(err, &fe) || fe.Path != c.field || fe.Msg != msg {
			t.Errorf("%s: got %v, want %s: %s", c.bob, err, c.field, msg)
		}
	}
	for _, bob := range []string{
		`addrs: {y: "yggdrasil:5400"}`, // a host named yggdrasil
		`addrs: {y: "[200:1234::1]:5400"}`,
		`addrs: {y: "|ssh yggdrasil ferry daemon --inetd"}`,
		`addrs: {yggdrasilc: "127.0.0.1:5400"}, calls: [{cron: "* * * * *", addr: "yggdrasilc"}]`,
	} {
		if _, err := cfg.Parse([]byte(broken("", bob))); err != nil {
			t.Errorf("%s: %v", bob, err)
		}
	}
}
