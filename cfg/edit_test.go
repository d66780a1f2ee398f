package cfg

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hjson/hjson-go/v4"
)

// insertedOnly checks that got is orig with one run of bytes inserted,
// and returns that run: everything outside it is kept byte for byte.
func insertedOnly(t *testing.T, orig, got string) string {
	t.Helper()
	p := 0
	for p < len(orig) && p < len(got) && orig[p] == got[p] {
		p++
	}
	s := 0
	for s < len(orig)-p && s < len(got)-p && orig[len(orig)-1-s] == got[len(got)-1-s] {
		s++
	}
	if p+s != len(orig) {
		t.Fatalf("edit changed the file outside one insertion:\n--- before\n%s\n--- after\n%s", orig, got)
	}
	return got[p : len(got)-s]
}

// generic decodes Hjson as NNCP does.
func generic(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := hjson.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("result is not Hjson: %v\n%s", err, text)
	}
	return v
}

func testCard(t *testing.T, text string) *Card {
	t.Helper()
	s, err := NewCard(testSelf(t), "bob", []CardAddr{{"lan", "127.0.0.1:5400"}}, text)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCard(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fullEdit() NeighEdit {
	in, fr := "/var/in/bob", "/srv/pub"
	e := NeighEdit{Incoming: &in, FreqPath: &fr}
	e.SetExec([]ExecHandle{{"sendmail", []string{"/usr/sbin/sendmail", "-i"}}, {"my handle", []string{"/bin/cat"}}})
	return e
}

func TestAddNeighKeepsTheFile(t *testing.T) {
	commented, err := Generate(GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := Generate(GenOptions{NoComments: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(bare))
	if err != nil {
		t.Fatal(err)
	}
	js := Minimal(c) // JSON, as cfgmin prints it
	// The same config without braces around the root, tab-indented.
	braceless := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(bare, "{\n"), "}\n"), "  ", "\t")
	selfEntry := js[strings.Index(js, `"self": {`):]
	selfEntry = selfEntry[:strings.Index(selfEntry, "}")+1]
	for _, tc := range []struct {
		name, text string
		loads      bool // a full config: Parse must take the result
		json       bool // JSON in, JSON out
		want       string
	}{
		{"cfgnew with comments", commented, true, false, "\n    bob: {\n      # card of bob: Bob's laptop\n      id: "},
		{"cfgnew --nocomments", bare, true, false, "    bob: {\n"},
		{"braceless, tabs", braceless, true, false, "\n\t\tbob: {\n\t\t\t# card of bob: Bob's laptop\n\t\t\tid: "},
		{"JSON from cfgmin", js, true, true, ",\n    \"bob\": {\n      \"id\": \""},
		{"empty neigh", "{\n  spool: /s\n  neigh: {}\n}\n", false, false, "\n    bob: {\n"},
		{"no neigh", "{\n  spool: /s\n  log: /l # the log\n}\n", false, false, "  neigh: {\n    bob: {\n"},
		{"no neigh, braceless, no final newline", "spool: /s\nlog: /l", false, false, "\nneigh: {\n  bob: {\n"},
		{"neigh on one line", "{\n  spool: /s\n  neigh: {" + selfEntry + "}\n}\n", false, false, ",\n    \"bob\": {"},
		{"comment after the last entry", "{\n  neigh: {\n    a: {id: \"X\"} # a\n    // more\n  }\n}\n", false, false, "    bob: {\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := AddNeigh([]byte(tc.text), "bob", testCard(t, "Bob's laptop"), fullEdit())
			if err != nil {
				t.Fatal(err)
			}
			insertedOnly(t, tc.text, string(out))
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("result lacks %q:\n%s", tc.want, out)
			}
			if tc.json && !json.Valid(out) {
				t.Errorf("JSON config no longer JSON:\n%s", out)
			}
			bob := generic(t, string(out))["neigh"].(map[string]any)["bob"].(map[string]any)
			if bob["incoming"] != "/var/in/bob" || bob["freq"].(map[string]any)["path"] != "/srv/pub" ||
				!reflect.DeepEqual(bob["exec"], map[string]any{"sendmail": []any{"/usr/sbin/sendmail", "-i"}, "my handle": []any{"/bin/cat"}}) ||
				!reflect.DeepEqual(bob["addrs"], map[string]any{"lan": "127.0.0.1:5400"}) {
				t.Errorf("entry read back as %v", bob)
			}
			if !tc.loads {
				return
			}
			c, err := Parse(out)
			if err != nil {
				t.Fatalf("result does not load: %v\n%s", err, out)
			}
			if n := c.Neigh["bob"]; n == nil || n.Incoming != "/var/in/bob" || n.NoisePub == nil || len(c.Warnings) > 0 {
				t.Errorf("loaded bob %+v, warnings %v", n, c.Warnings)
			}
			// rm takes exactly what add put in.
			back, err := RemoveNeigh(out, "bob")
			if err != nil {
				t.Fatal(err)
			}
			if string(back) != tc.text {
				t.Errorf("rm after add:\n%s\nwant the original:\n%s", back, tc.text)
			}
		})
	}
}

func TestAddNeighRefuses(t *testing.T) {
	bare, _ := Generate(GenOptions{NoComments: true})
	card := testCard(t, "")
	for _, tc := range []struct{ what, text, name, want string }{
		{"a name already there", bare, "self", "already there"},
		{"a bad name", bare, "b b", "node name"},
		{"neigh not an object", "{neigh: 1}", "bob", "not an object"},
		{"broken Hjson", "{neigh: {", "bob", ""},
		{"encrypted", "NNCPB\x00\x00\x03....", "bob", "encrypted"},
	} {
		if _, err := AddNeigh([]byte(tc.text), tc.name, card, NeighEdit{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.what, err, tc.want)
		}
	}
}

const setBase = `# my config
{
  spool: /s
  log: /l
  neigh: {
    self: {id: "X"}
    bob: {
      id: "X"   # from the card
      incoming: "/old/in" # where bob's files go
      freq: {
        path: /old/pub
        chunked: 1024
      }
    }
    carol: {id: "Y"}
  }
}
`

func TestSetNeigh(t *testing.T) {
	str := func(s string) *string { return &s }
	withExec := NeighEdit{}
	withExec.SetExec([]ExecHandle{{"sendmail", []string{"/usr/sbin/sendmail"}}})
	noVia := NeighEdit{}
	noVia.SetVia(nil)
	via := NeighEdit{}
	via.SetVia([]string{"bob"})
	for _, tc := range []struct {
		what string
		name string
		e    NeighEdit
		want string // the whole result
	}{
		{"replace incoming", "bob", NeighEdit{Incoming: str("/new/in")},
			strings.Replace(setBase, "incoming: \"/old/in\" #", "incoming: /new/in #", 1)},
		{"replace freq.path, keep chunked", "bob", NeighEdit{FreqPath: str("/new pub")},
			strings.Replace(setBase, "path: /old/pub", `path: "/new pub"`, 1)},
		{"remove incoming", "bob", NeighEdit{Incoming: str("")},
			strings.Replace(setBase, "      incoming: \"/old/in\" # where bob's files go\n", "", 1)},
		{"remove freq", "bob", NeighEdit{FreqPath: str("")},
			strings.Replace(setBase, "      freq: {\n        path: /old/pub\n        chunked: 1024\n      }\n", "", 1)},
		{"add exec", "bob", withExec,
			strings.Replace(setBase, "        chunked: 1024\n      }\n", "        chunked: 1024\n      }\n      exec: {\n        sendmail: [\"/usr/sbin/sendmail\"]\n      }\n", 1)},
		{"add freq to a one-line entry", "carol", NeighEdit{FreqPath: str("/pub")},
			strings.Replace(setBase, "carol: {id: \"Y\"}", "carol: {id: \"Y\"\n      freq: {\n        path: /pub\n      }\n    }", 1)},
		{"remove what is not there", "carol", noVia, setBase},
		{"add via", "carol", via, strings.Replace(setBase, "carol: {id: \"Y\"}", "carol: {id: \"Y\"\n      via: [\"bob\"]\n    }", 1)},
	} {
		out, err := SetNeigh([]byte(setBase), tc.name, tc.e)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if string(out) != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.what, out, tc.want)
		}
	}
	if _, err := SetNeigh([]byte(setBase), "dave", NeighEdit{Incoming: str("/x")}); err == nil || !strings.Contains(err.Error(), "no such neighbour") {
		t.Errorf("set of an unknown neighbour: %v", err)
	}
}

func TestRemoveNeigh(t *testing.T) {
	for _, tc := range []struct{ what, text, name, want string }{
		{"an entry with a comment on its line", setBase, "carol", strings.Replace(setBase, "    carol: {id: \"Y\"}\n", "", 1)},
		{"a multi-line entry", setBase, "bob", setBase[:strings.Index(setBase, "    bob: {")] + setBase[strings.Index(setBase, "    carol"):]},
		{"the last of JSON", "{\n  \"neigh\": {\n    \"a\": {},\n    \"b\": {}\n  }\n}\n", "b", "{\n  \"neigh\": {\n    \"a\": {}\n  }\n}\n"},
		{"the first of JSON", "{\n  \"neigh\": {\n    \"a\": {},\n    \"b\": {}\n  }\n}\n", "a", "{\n  \"neigh\": {\n    \"b\": {}\n  }\n}\n"},
		{"inline", "{neigh: {a: {}, b: {}}}", "a", "{neigh: {b: {}}}"},
	} {
		out, err := RemoveNeigh([]byte(tc.text), tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if string(out) != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.what, out, tc.want)
		}
	}
	if _, err := RemoveNeigh([]byte(setBase), "Bob"); err == nil {
		t.Error("rm matched a node name ignoring case")
	}
}

// FuzzAddRemoveNeigh: for any Hjson object, AddNeigh gives Hjson that
// reads as the same object plus neigh.bob (and nothing else changed), and
// RemoveNeigh of that reads as the object again.
func FuzzAddRemoveNeigh(f *testing.F) {
	bare, _ := Generate(GenOptions{NoComments: true})
	for _, s := range []string{bare, setBase, "{}", "a: 1", "{neigh: {}}", "{\"neigh\": {\"a\": {}, \"b\": [1]}}",
		"neigh: {x: 1,\n y: 'q'} # c", "{a: b\nneigh: {self: {id: \"X\"}} // x\n}", "{\n  neigh: {\n    a: {} /* c */\n  }\n}"} {
		f.Add(s)
	}
	s, err := NewCard(testSelf(f), "bob", []CardAddr{{"lan", "127.0.0.1:1"}}, "t")
	if err != nil {
		f.Fatal(err)
	}
	card, _ := ParseCard(s)
	in := "/in"
	f.Fuzz(func(t *testing.T, text string) {
		var orig map[string]any
		if hjson.Unmarshal([]byte(text), &orig) != nil {
			return
		}
		out, err := AddNeigh([]byte(text), "bob", card, NeighEdit{Incoming: &in})
		if err != nil {
			return // neigh not an object, bob already there
		}
		var got map[string]any
		if err := hjson.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: AddNeigh gave %q, not Hjson: %v", text, out, err)
		}
		nk := neighKey(got)
		neigh, _ := got[nk].(map[string]any)
		bob, _ := neigh["bob"].(map[string]any)
		if bob == nil || bob["incoming"] != in || bob["id"] != card.ID.String() {
			t.Fatalf("%q: AddNeigh gave %q, which reads as %v", text, out, got)
		}
		delete(neigh, "bob")
		if _, had := orig[nk]; !had && len(neigh) == 0 {
			delete(got, nk)
		}
		if !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, orig)) {
			t.Fatalf("%q: AddNeigh gave %q, which changed more than neigh.bob", text, out)
		}
		back, err := RemoveNeigh(out, "bob")
		if err != nil {
			t.Fatalf("%q: RemoveNeigh after AddNeigh: %v", text, err)
		}
		var again map[string]any
		if err := hjson.Unmarshal(back, &again); err != nil {
			t.Fatalf("%q: RemoveNeigh gave %q, not Hjson: %v", text, back, err)
		}
		if _, had := orig[nk]; !had {
			delete(again, nk)
		}
		if !reflect.DeepEqual(jsonOf(t, again), jsonOf(t, orig)) {
			t.Fatalf("%q: rm after add gave %q", text, back)
		}
	})
}

// neighKey is the key encoding/json would read as neigh.
func neighKey(m map[string]any) string {
	if _, ok := m["neigh"]; ok {
		return "neigh"
	}
	for k := range m {
		if strings.EqualFold(k, "neigh") {
			return k
		}
	}
	return "neigh"
}

// jsonOf compares decoded Hjson without minding hjson-go's ordered maps.
func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
