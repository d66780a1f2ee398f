package cfg_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/packet"
)

func labConfig(t testing.TB, node string) []byte {
	t.Helper()
	return labtest.ConfigText(t, node, "/lab")
}

// Ids and keys as recorded in the vectors' manifest.
var labNodes = map[string]struct{ id, exchpub, noisepub string }{
	"alice": {"ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ", "F3OD4PA6L247KNOQDDSMTVR4VCIFVUPC6CVJW5N2MVKVWUMSDVBA", "U5NTVCXHOLNSY7FBHTN4K3QZLU42HWJBZZPFF7P633ZOYUVPXFHQ"},
	"bob":   {"KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A", "JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ", "DDVI4TAIK7NXH25TDQOL6QYW2OHD6ZBI6PJ3UEV2K53CHSNCQUUA"},
	"carol": {"BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ", "BGRB7RCTI3BW7URYVMMEZNPOFF7YUWBXXMUUKBMGDSKILOJNS5PQ", "4DDAHIWC3ERZDZ5R6BFRW5ZVUHSS5UDPPR5GDNHS3PIJEWXWNY4A"},
}

func TestLabConfigs(t *testing.T) {
	for name, want := range labNodes {
		c, err := cfg.Parse(labConfig(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Self == nil || c.Self.ID.String() != want.id || packet.B32.EncodeToString(c.Self.ExchPub[:]) != want.exchpub {
			t.Fatalf("%s: self keys wrong", name)
		}
		if packet.NodeID(c.Self.SignPub) != c.Self.ID {
			t.Errorf("%s: id is not BLAKE2b(signpub)", name)
		}
		for other, o := range labNodes {
			n, err := c.FindNode(o.id)
			if err != nil {
				continue // not every node knows every other
			}
			if n.NoisePub == nil || packet.B32.EncodeToString(n.NoisePub[:]) != o.noisepub {
				t.Errorf("%s: %s noisepub wrong", name, other)
			}
		}
		if c.Spool != "/lab/"+name+"/spool" || !c.NoProgress {
			t.Errorf("%s: spool %q noprogress %v", name, c.Spool, c.NoProgress)
		}
		if len(c.Areas) != 1 || c.Areas["testarea"].Identity() == nil {
			t.Errorf("%s: area not loaded", name)
		}
	}
	alice, _ := cfg.Parse(labConfig(t, "alice"))
	carol := alice.Neigh["carol"]
	if len(carol.Via) != 1 || carol.Via[0] != alice.Neigh["bob"].ID {
		t.Errorf("carol via %v", carol.Via)
	}
	bob := alice.Neigh["bob"]
	if bob.OnlineDeadline.Seconds() != 2 || bob.Addrs["lo"] != "127.0.0.1:5402" || bob.Freq.Path != "/lab/alice/pub" {
		t.Errorf("bob: %+v", bob)
	}
	if bob.Freq.MaxSize != cfg.DefaultFreqMaxSize || carol.OnlineDeadline.Seconds() != 10 {
		t.Errorf("defaults not applied")
	}
}

// neighSelfAndBob opens a config's neigh section with self (alice of the
// lab) and bob, bob's entry left open for a case's lines.
const neighSelfAndBob = `  neigh: {
    self: {
      id: ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ
      exchpub: F3OD4PA6L247KNOQDDSMTVR4VCIFVUPC6CVJW5N2MVKVWUMSDVBA
      signpub: BD236CKODDUSVIHMBPTFE6SU43L3W6GLH4PVDSFJ7OVTOI4Y6QCQ
    }
    bob: {
      id: KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A
      exchpub: JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ
      signpub: BXOAON4NLBMITCX4PVFLNAQQXWRPISVBXUA4IHBFDRQJZPK2HUJA
`

const minimalGood = `{
  spool: /s
  log: /s/log
` + neighSelfAndBob + `      BOBEXTRA
    }
  }
  TOPEXTRA
}`

func broken(top, bob string) string {
	s := strings.Replace(minimalGood, "BOBEXTRA", bob, 1)
	return strings.Replace(s, "TOPEXTRA", top, 1)
}

func TestMinimalGood(t *testing.T) {
	c, err := cfg.Parse([]byte(broken("yggdrasil-aliases: {x: \"y\"}\nUNKNOWNKEY: 1", "NoisePub: DDVI4TAIK7NXH25TDQOL6QYW2OHD6ZBI6PJ3UEV2K53CHSNCQUUA")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Self != nil {
		t.Error("no self section, yet Self set")
	}
	if c.Neigh["bob"].NoisePub == nil {
		t.Error("NoisePub (keys match case-insensitively) not loaded")
	}
}

func TestBrokenConfigs(t *testing.T) {
	cases := []struct{ top, bob, field string }{
		{"", "exchpub: AAAA", "neigh.bob.exchpub"},
		{"", "signpub: 123", "neigh.bob.signpub"},
		{"", "noisepub: xyz", "neigh.bob.noisepub"},
		{"", `via: ["dave"]`, "neigh.bob.via[0]"},
		{"", "incoming: relative/dir", "neigh.bob.incoming"},
		{"", `freq: {path: "pub"}`, "neigh.bob.freq.path"},
		{"", "freq: {chunked: 0}", "neigh.bob.freq.chunked"},
		{"", "rxrate: -5", "neigh.bob.rxrate"},
		{"", "onlinedeadline: 0", "neigh.bob.onlinedeadline"},
		{"", `calls: [{nice: "B"}]`, "neigh.bob.calls[0].cron"},
		{"", `calls: [{cron: "* * * * *", nice: "bogus"}]`, "neigh.bob.calls[0].nice"},
		{"", `calls: [{cron: "* * * * *", xx: "both"}]`, "neigh.bob.calls[0].xx"},
		{"", "exec: {sendmail: []}", "neigh.bob.exec.sendmail"},
		{"spool: relative", "", "spool"},
		{"log: \"FD:3\"", "", "log"},
		{"umask: 999", "", "umask"},
		{"mcd-listen: [\"(\"]", "", "mcd-listen[0]"},
		{`self: {id: "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A"}`, "", "self.exchpub"},
		{`areas: {a: {id: "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A", prv: "JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ"}}`, "", "areas.a.prv"},
		{`areas: {a: {id: "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A", subs: ["zed"]}}`, "", "areas.a.subs[0]"},
		{`areas: {a: {id: "short"}}`, "", "areas.a.id"},
	}
	for _, c := range cases {
		_, err := cfg.Parse([]byte(broken(c.top, c.bob)))
		var fe *cfg.FieldError
		if !errors.As(err, &fe) || fe.Path != c.field {
			t.Errorf("%s%s: got %v, want an error naming %s", c.top, c.bob, err, c.field)
		}
	}
	for _, bad := range []string{"", "[1,2]", "{neigh: {}}", "{spool: /s, log: /l, neigh: {}}", "NNCPB\x00\x00\x03xxx"} {
		if _, err := cfg.Parse([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestGenerateAndMinimal(t *testing.T) {
	for _, nc := range []bool{false, true} {
		text, err := cfg.Generate(cfg.GenOptions{Areas: []string{"news"}, NoComments: nc})
		if err != nil {
			t.Fatal(err)
		}
		c, err := cfg.Parse([]byte(text))
		if err != nil {
			t.Fatalf("generated config does not load: %v\n%s", err, text)
		}
		if c.Self == nil || packet.NodeID(c.Self.SignPub) != c.Self.ID || c.Neigh["self"].ID != c.Self.ID {
			t.Fatal("generated identity inconsistent")
		}
		a := c.Areas["news"]
		if a == nil || a.Identity() == nil || packet.AreaID(*a.Pub) != a.ID {
			t.Fatal("generated area inconsistent")
		}
		if nc && strings.Contains(text, "#") {
			t.Error("comments left with NoComments")
		}
		min := cfg.Minimal(c)
		for _, secret := range []string{packet.B32.EncodeToString(c.Self.ExchPrv[:]), packet.B32.EncodeToString(c.Self.SignPrv), packet.B32.EncodeToString(c.Self.NoisePrv[:]), packet.B32.EncodeToString(a.Prv[:])} {
			if strings.Contains(min, secret) {
				t.Fatal("minimal config leaks a private key")
			}
		}
		m, err := cfg.Parse([]byte(min))
		if err != nil || m.Self != nil || m.Neigh["self"].ID != c.Self.ID {
			t.Fatalf("minimal config: %v", err)
		}
	}
}

func needNNCP(t *testing.T, tool string) string {
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (apt-get install nncp): skipping the interop check", tool)
	}
	return p
}

func TestNNCPCfgnewLoads(t *testing.T) {
	bin := needNNCP(t, "nncp-cfgnew")
	for _, args := range [][]string{nil, {"-nocomments"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Parse(out); err != nil {
			t.Errorf("nncp-cfgnew %v: %v", args, err)
		}
	}
}

func TestGeneratedAcceptedByNNCP(t *testing.T) {
	bin := needNNCP(t, "nncp-cfgmin")
	text, err := cfg.Generate(cfg.GenOptions{Areas: []string{"news"}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "node.hjson")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-cfg", p).CombinedOutput()
	if err != nil {
		t.Fatalf("nncp-cfgmin rejected our config: %v\n%s", err, out)
	}
	if _, err := cfg.Parse(out); err != nil {
		t.Fatalf("nncp-cfgmin output does not load: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"alice", "bob", "carol"} {
		f.Add(labConfig(f, n))
	}
	text, _ := cfg.Generate(cfg.GenOptions{Areas: []string{"a"}})
	f.Add([]byte(text))
	f.Add([]byte(minimalGood))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := cfg.Parse(b)
		if err == nil && c.Neigh["self"] == nil {
			t.Fatal("accepted a config without neigh.self")
		}
	})
}
