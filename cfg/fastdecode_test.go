package cfg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// directSeeds are whole configs, as found in the tree, and variants of
// the lab's alice whose values are each of a kind decodeRaw must either
// decode as encoding/json does or leave to it: fractions, -0, 2^53 and
// beyond, strings for numbers, nulls, keys matching a field only when
// case is ignored, promoted fields (ferry-exec-*), empty maps and lists.
func directSeeds(t testing.TB) [][]byte {
	out := hjsonTreeSeeds(t)
	alice, err := os.ReadFile(filepath.Join(labtest.VecDir(), "configs", "alice.hjson"))
	if err != nil {
		t.Fatal(err)
	}
	a := strings.ReplaceAll(string(alice), "@LAB@", "/lab") // a config that loads, so that all of it is compared
	out = append(out, []byte(a))
	for _, r := range [][2]string{
		{"  log:", "  ferry-exec-attempts: 3\n  ferry-exec-backoff: 1m\n  autoreass: true\n  log:"},
		{"  log:", "  ferry-exec-attempts: 2.5\n  log:"},
		{"  log:", "  ferry-exec-attempts: -0\n  log:"},
		{"  log:", "  ferry-exec-attempts: 9007199254740993\n  log:"},
		{"  log:", "  ferry-exec-attempts: \"3\"\n  log:"},
		{"  log:", "  ferry-exec-attempts: null\n  log:"},
		{"  log:", "  Ferry-Exec-Attempts: 4\n  log:"},
		{"  log:", "  mcd-listen: []\n  mcd-send: {}\n  yggdrasil-aliases: {\"a\": 1, \"b\": [\"x\", {\"c\": null}]}\n  log:"},
		{"  log:", "  ferry-reserve: \"10%\"\n  ferry-age: {\"tx\": \"30d\", \"part\": \"2d\"}\n  ferry-quota: {\"rx-bytes\": \"1G\", \"tx-packets\": 100}\n  log:"},
		{"  log:", "  notify: {\"file\": {\"from\": \"a\", \"to\": \"b\"}, \"exec\": {\"bob.handler\": {\"from\": \"c\", \"to\": \"d\"}}}\n  log:"},
		{"  log:", "  umask: 022\n  nohdr: yes\n  log:"},
		{"    bob:\n    {\n", "    bob:\n    {\n      maxonlinetime: 3\n      rxrate: -1\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      txrate: 1e3\n      ferry: true\n      ferry-expire: 1h\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      calls: [{\"cron\": \"*/1 * * * *\", \"nice\": \"B\", \"onlinedeadline\": 5}, {\"cron\": \"@daily\"}]\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      calls: [{\"cron\": \"@daily\", \"OnlineDeadline\": 5}]\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      ferry: true\n      ferry-via-alt: [[\"carol\"], []]\n      ferry-failover: 2h\n      ferry-exec-attempts: 1\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      freq: {\"path\": \"/tmp\", \"chunked\": 1024, \"minsize\": 0, \"maxsize\": 18446744073709551615}\n"},
		{"    bob:\n    {\n", "    bob:\n    {\n      via: null\n"},
		{"  neigh:\n", "  Neigh: {}\n  neigh:\n"},
		{"  areas:\n", "  areas: []\n  xareas:\n"},
	} {
		if !strings.Contains(a, r[0]) {
			t.Fatalf("alice.hjson has no %q any more: update the seeds", r[0])
		}
		out = append(out, []byte(strings.Replace(a, r[0], r[1], 1)))
	}
	return out
}

// checkDirect: Parse through decodeRaw gives what the encoding/json
// round trip gives, the same Config or the same error.
func checkDirect(t *testing.T, b []byte) (viaJSON bool) {
	t.Helper()
	got, viaJSON, gerr := parse(b, LoadOptions{}, true)
	want, _, werr := parse(b, LoadOptions{}, false)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%q:\ndirect     %v\nround trip %v", b, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\ndirect     %#v\nround trip %#v", b, got, want)
	}
	return viaJSON
}

func TestDirectDecodeIsRoundTrip(t *testing.T) {
	direct, loaded := 0, 0
	for _, b := range directSeeds(t) {
		if !checkDirect(t, b) {
			direct++
		}
		if _, err := Parse(b); err == nil {
			loaded++
		}
	}
	t.Logf("%d seeds: %d decoded directly, %d loaded", len(directSeeds(t)), direct, loaded)
	// The configs ferry exec meets every day take the direct path: the
	// lab's and the generated one.
	for _, n := range []string{"alice", "bob", "carol"} {
		b, err := os.ReadFile(filepath.Join(labtest.VecDir(), "configs", n+".hjson"))
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ReplaceAll(string(b), "@LAB@", "/lab"))
		if _, err := Parse(b); err != nil {
			t.Fatalf("%s.hjson: %v", n, err)
		}
		if checkDirect(t, b) {
			t.Errorf("%s.hjson was decoded through encoding/json", n)
		}
	}
	text, err := Generate(GenOptions{Areas: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if checkDirect(t, []byte(text)) {
		t.Error("the generated config was decoded through encoding/json")
	}
}

func FuzzDirectDecode(f *testing.F) {
	for _, b := range directSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDirect(t, b) })
}
