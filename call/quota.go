package call

import (
	"errors"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Before asking for an offered packet, the receiver also checks the rx
// quotas (ferry-quota: the neighbour's own rx limits and the global
// ones) against what the rx queues hold, the .part files of cut
// sessions, and the downloads under way in every session of this
// process (the spool keeps the claims, as it does for free space). A
// packet that would pass a quota is not requested: it stays queued at
// the peer for a later call, after toss drained rx, and the smaller ones
// beside it still come. A claim lasts until its packet is in rx (the
// spool hands it over in the same step) or the download ends otherwise.

func (s *session) rxQuota() spool.Quota {
	own, all := s.c.Quotas(s.node.ID)
	return spool.Quota{Own: spool.Limit(own.RX), All: spool.Limit(all.RX)}
}

// claimQuota promises an offered packet of size bytes its room in the
// rx quotas; false when it does not fit, after one log line.
func (s *session) claimQuota(id packet.ID, size int64) bool {
	q := s.rxQuota()
	if !q.Set() {
		return true
	}
	c, err := s.sp.ClaimQuota(s.node.ID, id, spool.RX, size, q)
	if errors.Is(err, spool.ErrQuotaFull) {
		s.mu.Lock()
		markRefused(s.overQuota, &s.stats.OverQuota, id)
		s.mu.Unlock()
		s.log.Warn("packet not requested: it does not fit in the rx quota", "who", "sp-info",
			"pkt", id.String(), "size", size, "err", err)
		return false
	}
	if err != nil {
		// The queues cannot be counted: ask for it as NNCP would; the
		// quota is a limit we keep, not one the peer relies on.
		s.log.Error("rx quota unknown", "who", "sp-info", "pkt", id.String(), "err", err)
		return true
	}
	s.mu.Lock()
	s.quotaClaims[id] = c                             // a claim of an earlier offer was replaced by the spool
	clearRefused(s.overQuota, &s.stats.OverQuota, id) // offered again once rx drained
	s.mu.Unlock()
	return true
}

// releaseQuota ends id's claim: its download ended without it reaching
// rx. The caller holds s.mu.
func (s *session) releaseQuota(id packet.ID) {
	s.quotaClaims[id].Release()
	delete(s.quotaClaims, id)
}
