package spool_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzTrackPendingRecord: whatever a record file in ferry-track.d/ holds
// (a torn write, another tool's file under a packet's name, a record of
// another packet), the first tracking read either merges it as its
// packet's record or sets it aside as damaged with an error naming it;
// it never panics, and the next read is clean.
func FuzzTrackPendingRecord(f *testing.F) {
	f.Add([]byte(`{"id":"AAAA"}`))
	f.Add([]byte("{trunc"))
	f.Add([]byte(""))
	f.Add([]byte("null"))
	f.Add([]byte(`{"state":"delivered","route":[1,2,3]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		bob := trackID(2)
		sp := openSpool(t)
		id := commitTracked(t, sp, bob, "fuzz", time.Unix(1700000000, 0))
		p := filepath.Join(sp.Dir(), "ferry-track.d", id.String())
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := sp.Tracked(nil)
		switch {
		case err == nil:
			if len(rs) != 1 || rs[0].ID != id {
				t.Fatalf("merged without error, but the records are %+v", rs)
			}
		case !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), id.String()):
			t.Fatalf("refused with an error that does not name the damaged record: %v", err)
		}
		if _, err := sp.Tracked(nil); err != nil {
			t.Fatalf("second read: %v", err)
		}
		for _, name := range pendingFiles(t, sp) {
			if !strings.HasSuffix(name, ".damaged") {
				t.Fatalf("left in ferry-track.d: %s", name)
			}
		}
	})
}
