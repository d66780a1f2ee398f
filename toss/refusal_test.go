package toss_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// TestRefusalReasonHidesLocalPaths: a receipt tells the origin why its
// packet was refused without the destination's own directories: bob's
// freq.path is called freq.path in alice's record, not /.../bob/pub.
func TestRefusalReasonHidesLocalPaths(t *testing.T) {
	l := newLab(t)
	l.node("bob", "alice").Ferry = true
	// A name that resolves, through a link, to what does not exist: the
	// refusal's cause is a file system error naming bob's path.
	if err := os.Symlink(l.path("bob", "pub", "gone"), l.path("bob", "pub", "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"missing.txt", "dangling"} {
		q, err := l.q("alice").Freq(context.Background(), l.node("alice", "bob"), src, "got", 128, outbox.Options{Nice: 128})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.spool["alice"].Track(spool.TrackRecord{ID: q.ID, Node: l.id("bob"), Route: q.Route, Kind: "freq", What: src}); err != nil {
			t.Fatal(err)
		}
	}
	l.move(t, "alice", "bob")
	if res, _ := l.toss(t, "bob", toss.Options{}); res.SetAside != 2 {
		t.Fatalf("bob set aside %d, want both freqs\n%s", res.SetAside, l.logs["bob"])
	}
	if !strings.Contains(l.logs["bob"].String(), l.path("bob", "pub")) {
		t.Errorf("bob's own log should keep the full path:\n%s", l.logs["bob"])
	}
	l.move(t, "bob", "alice")
	if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
		t.Fatal(err)
	}
	recs, err := l.spool["alice"].Tracked(nil)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%+v, %v", recs, err)
	}
	for _, r := range recs {
		if r.State != spool.TrackFailed || !strings.Contains(r.Reason, r.What) {
			t.Errorf("%s: %+v, want failed naming it", r.What, r)
		}
		if strings.Contains(r.Reason, l.dir) {
			t.Errorf("%s: the reason carries bob's path: %q", r.What, r.Reason)
		}
	}
}
