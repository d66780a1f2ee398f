package spool

import (
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// The layout's paths, for this package's own tests only: they check the
// files where NNCP expects them. No other package sees these.

func (s *Spool) Dir() string                           { return s.dir }
func (s *Spool) TmpDir() string                        { return s.tmpDir() }
func (s *Spool) NodeDir(node packet.ID) string         { return s.nodeDir(node) }
func (s *Spool) QueueDir(node packet.ID, xx XX) string { return s.queueDir(node, xx) }
func (s *Spool) PacketPath(node packet.ID, xx XX, id packet.ID) string {
	return s.packetPath(node, xx, id)
}
func (s *Spool) PartPath(node, id packet.ID) string { return s.partPath(node, id) }
func (s *Spool) NockPath(node, id packet.ID) string { return s.nockPath(node, id) }

// QueueReads is how many times a queue's directory was read to count it
// for its quota.
func (s *Spool) QueueReads() int64 { return s.quota.reads.Load() }

// SetIndexBatch makes index builds add n entries per transaction, so
// that a test with thousands of packets crosses several of them.
func (s *Spool) SetIndexBatch(n int) { s.ix.batch = n }

// SetCleanWorkers makes a queue's removal run n unlinks at once.
func (s *Spool) SetCleanWorkers(n int) { s.cleanWorkers = n }

// SetTrackBatch makes merges of pending tracking records take n per
// transaction.
func (s *Spool) SetTrackBatch(n int) { s.trk.batch = n }

// SetIndexClock sets the clock by which a listing judges whether its
// directory has been quiet long enough to be stamped (stampMargin), so
// that tests need not wait it out.
func (s *Spool) SetIndexClock(now func() time.Time) { s.ix.now = now }

// Trusted says whether the listing came from the index alone, the
// directory being unchanged since the index was last made to match it.
func (l *Listing) Trusted() bool { return l.trusted }

// SummaryListings is how many times a directory was listed for a
// summary (Summary, BadSummary, PartialCount) rather than taken from
// the cache.
func (s *Spool) SummaryListings() int64 { return s.summaries.listing.Load() }
