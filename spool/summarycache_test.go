package spool_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/spool"
)

// A queue's summary is kept while its directory is unchanged: a second
// scrape lists nothing. A packet added or removed changes the directory
// and is seen at once. (The clock is set ahead, so that a directory just
// changed is not "too recent" to keep: the keeping is what is tested.)
func TestSummaryCachedWhileUnchanged(t *testing.T) {
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	var total int64 // the bytes queued
	add := func(i int) {
		_, n, err := sp.CopyIn(bytes.NewReader(fakePacket(1, 100+i)), peer, spool.TX, nil)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	for i := range 3 {
		add(i)
	}
	check := func(what string, packets int, bytes int64, listings int64) {
		t.Helper()
		q, err := sp.Summary(peer, spool.TX)
		if err != nil || q.Packets != packets || q.Bytes != bytes || sp.SummaryListings() != listings {
			t.Fatalf("%s: %+v, %v, %d listings; want %d packets, %d bytes after %d listings", what, q, err, sp.SummaryListings(), packets, bytes, listings)
		}
	}
	check("first", 3, total, 1)
	check("unchanged", 3, total, 1)
	add(3)
	check("one added", 4, total, 2)
	check("unchanged again", 4, total, 2)
	jobs, _, err := sp.Jobs(peer, spool.TX)
	if err != nil || len(jobs) != 4 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	if err := sp.Remove(peer, spool.TX, jobs[0].ID); err != nil {
		t.Fatal(err)
	}
	q, err := sp.Summary(peer, spool.TX)
	if err != nil || q.Packets != 3 || sp.SummaryListings() != 3 {
		t.Fatalf("after a removal: %+v, %v, %d listings", q, err, sp.SummaryListings())
	}
	if n, err := sp.PartialCount(peer); err != nil || n != (spool.PartialCounts{}) {
		t.Errorf("partial counts %+v, %v", n, err)
	}
}

// A directory changed too recently for its stamp to tell a later change
// apart is listed again at every scrape. (The clock is set back, so that
// every change is recent: no timing decides it.)
func TestSummaryOfRecentChangeNotKept(t *testing.T) {
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true, Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sp.CopyIn(bytes.NewReader(fakePacket(1, 100)), peer, spool.TX, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if q, err := sp.Summary(peer, spool.TX); err != nil || q.Packets != 1 {
			t.Fatalf("%+v, %v", q, err)
		}
		if n := sp.SummaryListings(); n != int64(i+1) {
			t.Fatalf("scrape %d: %d listings, want %d", i+1, n, i+1)
		}
	}
}
