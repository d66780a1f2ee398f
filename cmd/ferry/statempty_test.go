package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStatEmptySpool: an empty spool is said in one line, not silence,
// and in JSON an empty queue is [] like every other list, never null.
func TestStatEmptySpool(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	r := l.ferry(t, "alice", nil, "stat")
	if got, want := string(r.stdout), "nothing queued in "+l.path("alice", "spool")+"\n"; got != want {
		t.Errorf("stat on an empty spool printed %q, want %q", got, want)
	}
	r = l.ferry(t, "alice", nil, "stat", "--json")
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(r.stdout, &raw); err != nil || len(raw) == 0 {
		t.Fatalf("stat --json: %v, %d nodes\n%s", err, len(raw), r.stdout)
	}
	for _, n := range raw {
		for _, k := range []string{"rx", "tx"} {
			if string(n[k]) != "[]" {
				t.Errorf("stat --json: node %s: %q is %s, want []", n["node"], k, n[k])
			}
		}
	}

	// One packet queued: its node is shown, and the empty line is not.
	mustWrite(t, l.path("src.txt"), []byte("x"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src.txt"), "bob:")
	r = l.ferry(t, "alice", nil, "stat")
	if out := string(r.stdout); !strings.HasPrefix(out, "bob\n") || strings.Contains(out, "nothing queued") {
		t.Errorf("stat with one packet for bob:\n%s", out)
	}
	r = l.ferry(t, "alice", nil, "stat", "--json", "--node", "bob")
	var one []nodeStat
	if err := json.Unmarshal(r.stdout, &one); err != nil || len(one) != 1 || len(one[0].Tx) != 1 || one[0].Tx[0].Count != 1 || one[0].Rx == nil {
		t.Errorf("stat --json --node bob: %v %+v", err, one)
	}
}
