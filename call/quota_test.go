package call_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

const overQuotaMsg = "packet not requested: it does not fit in the rx quota"

// rxUsage is what alice's rx queue for bob holds, counted afresh.
func rxUsage(t *testing.T, n *node, from packet.ID) spool.Usage {
	t.Helper()
	sp, err := spool.Open(n.c.Spool, n.c.Self.ID, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := sp.QuotaUsage(from, spool.RX)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A receiver whose rx quota is tight asks only for the offers that fit:
// the rest stay queued at the sender, each named in one log line with
// the quota's numbers, and the call says how many. Once toss drained rx,
// the next call brings more, until everything has come; the queue never
// passes its quota and nothing is lost or doubled on the way.
func TestRxQuotaTakesWhatFits(t *testing.T) {
	_, alice, bob := lab(t)
	const limit = 250000
	alice.c.Neigh["bob"].Quota = cfg.Quota{RX: cfg.Limit{Bytes: limit, Packets: 3}}
	from := bob.c.Self.ID
	var sent []packet.ID
	for i := 0; i < 5; i++ {
		sent = append(sent, queue(t, bob, alice, 100000+i, uint8(96+i)))
	}
	sent = append(sent, queue(t, bob, alice, 100, 200), queue(t, bob, alice, 200, 201))

	log := &notes{msg: overQuotaMsg}
	aopt := quick()
	aopt.Log = slog.New(log)
	st, cerr, serr := session(t, alice, bob, aopt, quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	// Two of 100 KB fit in 250 KB, and one small one in the third packet.
	if st.RxPkts != 3 || st.OverQuota != 4 {
		t.Fatalf("stats %+v, want 3 received and 4 not requested", st)
	}
	lines := log.all()
	if len(lines) != 4 {
		t.Fatalf("want one log line for each of the 4 packets not requested, got %v", lines)
	}
	named := map[string]bool{}
	for _, l := range lines {
		named[l["pkt"]] = true
		if !strings.Contains(l["err"], "rx quota full: ") || l["size"] == "" {
			t.Errorf("log line without the quota's numbers: %v", l)
		}
	}
	for _, id := range sent {
		in, queued := alice.sp.Has(from, spool.RX, id), bob.sp.Has(alice.c.Self.ID, spool.TX, id)
		if in == queued || in == named[id.String()] {
			t.Errorf("%s: in alice's rx %v, queued at bob %v, named as not requested %v", id, in, queued, named[id.String()])
		}
	}
	if u := rxUsage(t, alice, from); u.Bytes > limit || u.Packets > 3 {
		t.Errorf("rx holds %+v, past the quota", u)
	}

	// toss takes what came; the next calls bring the rest.
	got := map[packet.ID]bool{}
	for round := 0; round < 4 && len(got) < len(sent); round++ {
		jobs, _, _ := alice.sp.Jobs(from, spool.RX)
		for _, j := range jobs {
			if ok, err := alice.sp.Verify(from, spool.RX, j.ID); !ok || got[j.ID] {
				t.Fatalf("packet %s damaged or doubled: %v", j.ID, err)
			}
			got[j.ID] = true
			if err := alice.sp.Remove(from, spool.RX, j.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, cerr, serr := session(t, alice, bob, quick(), quick()); cerr != nil || serr != nil {
			t.Fatalf("call %d: %v, serve: %v", round+2, cerr, serr)
		}
		if u := rxUsage(t, alice, from); u.Bytes > limit || u.Packets > 3 {
			t.Errorf("round %d: rx holds %+v, past the quota", round+2, u)
		}
	}
	jobs, _, _ := alice.sp.Jobs(from, spool.RX)
	for _, j := range jobs {
		got[j.ID] = true
	}
	for _, id := range sent {
		if !got[id] || bob.sp.Has(alice.c.Self.ID, spool.TX, id) {
			t.Errorf("%s never arrived (still queued at bob: %v)", id, bob.sp.Has(alice.c.Self.ID, spool.TX, id))
		}
	}
}

// A .part left by a cut session counts against the quota: the offers
// that would pass it beside the .part are not requested, the .part
// itself is resumed.
func TestRxQuotaCountsPartials(t *testing.T) {
	_, alice, bob := lab(t)
	from := bob.c.Self.ID
	big := queue(t, bob, alice, 150000, 96)
	small := queue(t, bob, alice, 100000, 128)
	// A cut session left 50 KB of the big one.
	p, err := alice.sp.OpenPart(from, big)
	if err != nil {
		t.Fatal(err)
	}
	f, err := bob.sp.Open(alice.c.Self.ID, spool.TX, big)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 50000)
	if _, err := f.Read(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.File().Write(head); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	alice.c.Neigh["bob"].Quota = cfg.Quota{RX: cfg.Limit{Bytes: 200000}}
	st, cerr, serr := session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	if !alice.sp.Has(from, spool.RX, big) || alice.sp.Has(from, spool.RX, small) || st.OverQuota != 1 {
		t.Errorf("want the resumed packet in and the other left out: big %v, small %v, stats %+v",
			alice.sp.Has(from, spool.RX, big), alice.sp.Has(from, spool.RX, small), st)
	}
}
