package cfg_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

// threeNodes is a valid config with self, bob and carol; each @X@ marks
// where a case adds lines.
const threeNodes = `{
  spool: /s
  log: /s/log
  @TOP@
  self: {
    id: ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ
    exchpub: F3OD4PA6L247KNOQDDSMTVR4VCIFVUPC6CVJW5N2MVKVWUMSDVBA
    exchprv: SZEZ7UT5NU4YDQM3AG3FNBIPGGPYU7BQHQIGB2XPNIKHNOQB4UKA
    signpub: BD236CKODDUSVIHMBPTFE6SU43L3W6GLH4PVDSFJ7OVTOI4Y6QCQ
    signprv: 7F4PPWDWQ4JQAOOTPWO7LWEBIOLQPGT4EYHYUWKOAQCJHEF3K3A4R3JTBSTZJDYEC4U3PSPLSRIULXCGMR7X4EVTTTAPJNNBQBTOD4Q
    noiseprv: 5NGQAWLELLHB4TJS3M7GYS6KQFRRAHBGIZQH3V5BAVX4ATSO5MBQ
    noisepub: U5NTVCXHOLNSY7FBHTN4K3QZLU42HWJBZZPFF7P633ZOYUVPXFHQ
  }
` + neighSelfAndBob + `      @BOB@
    }
    carol: {
      id: BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ
      exchpub: BGRB7RCTI3BW7URYVMMEZNPOFF7YUWBXXMUUKBMGDSKILOJNS5PQ
      signpub: GDPVEMC2AAWWYME53JSTLMF2ZASO6IOQLYONR6U6GXONQFYQTYJA
      @CAROL@
    }
    @NEIGH@
  }
}`

func threeNodesWith(top, bob, carol, neigh string) string {
	r := strings.NewReplacer("@TOP@", top, "@BOB@", bob, "@CAROL@", carol, "@NEIGH@", neigh)
	return r.Replace(threeNodes)
}

const (
	selfID   = "ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ"
	selfExch = "F3OD4PA6L247KNOQDDSMTVR4VCIFVUPC6CVJW5N2MVKVWUMSDVBA"
	selfSign = "BD236CKODDUSVIHMBPTFE6SU43L3W6GLH4PVDSFJ7OVTOI4Y6QCQ"
	bobID    = "KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A"
	bobExch  = "JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ"
	bobSign  = "BXOAON4NLBMITCX4PVFLNAQQXWRPISVBXUA4IHBFDRQJZPK2HUJA"
	daveKey  = `dave: {
      id: BE4YMHQYSFO2AVMQDHBSHYVCJX3QY3454FOLCMLOVTOIMX47B52Q
      exchpub: JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ
      signpub: BXOAON4NLBMITCX4PVFLNAQQXWRPISVBXUA4IHBFDRQJZPK2HUJA
      `
)

// inline is a neighbour on one line.
func inline(name, id, exch, sign string) string {
	return name + `: {id: "` + id + `", exchpub: "` + exch + `", signpub: "` + sign + `"}`
}

// Configs that load in NNCP (and loaded in ferry) but can never work:
// each is refused, with the field named.
func TestConfigsThatCanNeverWork(t *testing.T) {
	long := "via: [" + strings.Repeat(`"carol", `, cfg.MaxVia+1) + "]"
	cases := []struct {
		name                   string
		top, bob, carol, neigh string
		field, msg             string
	}{
		{"via self by name", "", `via: ["carol", "self"]`, "", "", "neigh.bob.via[1]", "this node itself"},
		{"via self by id", "", "via: [\"" + selfID + "\"]", "", "", "neigh.bob.via[0]", "this node itself"},
		{"via the destination", "", `via: ["carol", "bob"]`, "", "", "neigh.bob.via[1]", "destination itself"},
		{"via a relay twice", "", `via: ["carol", "carol"]`, "", "", "neigh.bob.via[1]", "appears twice"},
		{"via loop of two", "", `via: ["carol"]`, `via: ["bob"]`, "", "neigh.carol.via[0]", "via loop bob -> carol -> bob"},
		{"via loop of three", "", `via: ["carol"]`, `via: ["dave"]`, daveKey + `via: ["bob"]` + "\n}", "neigh.dave.via[0]", "via loop bob -> carol -> dave -> bob"},
		{"via loop through a later hop", "", `via: ["dave", "carol"]`, `via: ["bob"]`, daveKey + "}", "neigh.carol.via[0]", "via loop bob -> carol -> bob"},
		{"via too long", "", long, "", "", "neigh.bob.via", "more than the 128"},
		{"neighbour with self's id", "", "", "", inline("me", selfID, selfExch, selfSign), "neigh.me.id", "same id as neigh.self"},
		{"neighbour sorting after self with self's id", "", "", "", inline("zed", selfID, selfExch, selfSign), "neigh.zed.id", "same id as neigh.self"},
		{"two neighbours, one id", "", "", "", inline("bob2", bobID, bobExch, bobSign), "neigh.bob2.id", "same id as neigh.bob"},
		{"duplicate top-level key", "spool: /other", "", "", "", "spool", "duplicate key at line 4 (first at line 2)"},
		{"duplicate key in a neighbour", "", "exchpub: BGRB7RCTI3BW7URYVMMEZNPOFF7YUWBXXMUUKBMGDSKILOJNS5PQ", "", "", "neigh.bob.exchpub", "duplicate key at line 24 (first at line 22)"},
		{"duplicate key differing in case", "", "ExchPub: BGRB7RCTI3BW7URYVMMEZNPOFF7YUWBXXMUUKBMGDSKILOJNS5PQ", "", "", "neigh.bob.exchpub", `"exchpub" at line 22 and "ExchPub" at line 24`},
		{"duplicate neighbour", "", "", "", inline("bob", bobID, bobExch, bobSign), "neigh.bob", "duplicate key at line 32 (first at line 20)"},
		{"duplicate key in a call", "", `calls: [{cron: "* * * * *", nice: "B", cron: "@daily"}]`, "", "", "neigh.bob.calls[0].cron", "duplicate key at line 24 (first at line 24)"},
		{"duplicate exec handle", "", `exec: {sendmail: ["/bin/true"], sendmail: ["/bin/false"]}`, "", "", "neigh.bob.exec.sendmail", "duplicate key"},
		{"duplicate unknown key", "future: 1\nfuture: 2", "", "", "", "future", "duplicate key at line 5 (first at line 4)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := threeNodesWith(c.top, c.bob, c.carol, c.neigh)
			_, err := cfg.Parse([]byte(text))
			var fe *cfg.FieldError
			if !errors.As(err, &fe) || fe.Path != c.field || !strings.Contains(fe.Msg, c.msg) {
				t.Fatalf("got %v, want %s: ...%s...", err, c.field, c.msg)
			}
			if strings.Contains(err.Error(), "SZEZ7UT5") || strings.Count(err.Error(), "BGRB7RCT") > 0 {
				t.Errorf("the error shows a key's value: %v", err)
			}
		})
	}
}

// The same checks leave valid routes alone: a chain, a shared relay, and
// a route whose relays have routes of their own.
func TestValidRoutesLoad(t *testing.T) {
	for _, routes := range [][3]string{
		{`via: ["carol"]`, "", ""},
		{`via: ["carol"]`, "", daveKey + `via: ["carol", "bob"]` + "\n}"},
		{"", `via: ["bob"]`, daveKey + `via: ["bob", "carol"]` + "\n}"},
	} {
		c, err := cfg.Parse([]byte(threeNodesWith("", routes[0], routes[1], routes[2])))
		if err != nil {
			t.Errorf("%q: %v", routes, err)
			continue
		}
		if routes[2] != "" && len(c.Neigh["dave"].Via) != 2 {
			t.Errorf("%q: dave via %v", routes, c.Neigh["dave"].Via)
		}
	}
	c, err := cfg.Parse([]byte(threeNodesWith("", "", "", "")))
	if err != nil || c.Self == nil {
		t.Fatalf("base config: %v", err)
	}
}

// A route of exactly MaxVia relays loads; one more is refused.
func TestViaLimit(t *testing.T) {
	for _, hops := range []int{cfg.MaxVia, cfg.MaxVia + 1} {
		var nodes, via strings.Builder
		for i := range hops {
			id := make([]byte, 32)
			id[0], id[1] = 0xfe, byte(i)
			name := fmt.Sprintf("r%d", i)
			nodes.WriteString(inline(name, packet.B32.EncodeToString(id), bobExch, bobSign) + "\n")
			fmt.Fprintf(&via, "%q, ", name)
		}
		c, err := cfg.Parse([]byte(threeNodesWith("", "via: ["+via.String()+"]", "", nodes.String())))
		switch {
		case hops <= cfg.MaxVia && (err != nil || len(c.Neigh["bob"].Via) != hops):
			t.Errorf("%d relays: %v", hops, err)
		case hops > cfg.MaxVia && err == nil:
			t.Errorf("%d relays accepted", hops)
		}
	}
}
