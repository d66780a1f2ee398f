package packet_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// manifestStrings adds every string value of the NNCP vector manifest
// (ids, keys, packet names, nice names) to a fuzz corpus.
func manifestStrings(f *testing.F, add func(string)) {
	b, err := os.ReadFile("testdata/nncp/manifest.json")
	if err != nil {
		f.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		f.Fatal(err)
	}
	walk(doc)
}

// A name parses only if it is its id's own String, and every such name
// parses (the library decoder is the oracle for the second half).
func FuzzParseID(f *testing.F) {
	names, _ := filepath.Glob("testdata/nncp/packets/*/*")
	for _, p := range names {
		f.Add(filepath.Base(p))
	}
	manifestStrings(f, func(s string) { f.Add(s) })
	f.Fuzz(func(t *testing.T, s string) {
		id, err := packet.ParseID(s)
		if err == nil {
			if id.String() != s {
				t.Fatalf("%q accepted as %s: not canonical", s, id)
			}
			if !packet.IsPacketName(s) {
				t.Fatalf("%q parses but is not a packet name", s)
			}
			return
		}
		if lib, lerr := packet.B32.DecodeString(s); lerr == nil && len(lib) == packet.IDLen && packet.ID(lib).String() == s {
			t.Fatalf("canonical name %q refused: %v", s, err)
		}
	})
}

// niceGrammar is what ParseNice documents: a decimal, max, or a level's
// name or first letter with an optional unsigned delta.
var niceGrammar = regexp.MustCompile(`^(?:[+]?[0-9]+|max|(flash|priority|normal|bulk|f|p|n|b)(?:([+-])([0-9]+))?)$`)

// Accepted niceness strings follow the documented grammar and mean what
// it says; every niceness prints as a string that parses back to it.
func FuzzParseNice(f *testing.F) {
	for _, s := range []string{"1", "255", "0", "256", "max", "MAX", "flash", "F", "P-3", "B+30", "b+31", "b+32", "n+32", "p-31", "f-32", "normal", " bulk ", "priority+1", "flash++1", "f+-1", "f+", "+5", "005"} {
		f.Add(s)
	}
	manifestStrings(f, func(s string) {
		if len(s) < 12 {
			f.Add(s)
		}
	})
	levels := map[string]int{"flash": 32, "f": 32, "priority": 96, "p": 96, "normal": 160, "n": 160, "bulk": 224, "b": 224}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := packet.ParseNice(s)
		if err != nil {
			return
		}
		if n == 0 {
			t.Fatalf("%q accepted as niceness 0", s)
		}
		m := niceGrammar.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
		if m == nil {
			t.Fatalf("%q accepted as %d outside the documented grammar", s, n)
		}
		want := 255
		switch {
		case m[1] == "" && m[0] != "max":
			want, _ = strconv.Atoi(m[0])
		case m[1] != "":
			want = levels[m[1]]
			if m[2] != "" {
				d, _ := strconv.Atoi(m[3])
				if m[2] == "-" {
					d = -d
				}
				want += d
			}
		}
		if int(n) != want {
			t.Fatalf("%q parsed as %d, grammar says %d", s, n, want)
		}
		if back, err := packet.ParseNice(packet.NiceString(n)); err != nil || back != n {
			t.Fatalf("%d prints as %q, which parses as %d (%v)", n, packet.NiceString(n), back, err)
		}
	})
}
