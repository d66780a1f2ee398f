package call

import (
	"errors"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Before asking for a packet, the receiver makes sure the rest of it
// fits: free space on the spool's filesystem, less the config's reserve
// (ferry-reserve), less what downloads already asked for and not yet
// written (in this session and in the daemon's others: the spool keeps
// the count). A packet that does not fit is not requested: it stays
// queued at the peer for a later call, and the smaller ones beside it
// still come. So a neighbour offering more than the disk holds can
// neither fill it nor wedge the link.

// claimRoom promises the need bytes an offered packet still lacks to its
// download; false when they do not fit, after one log line.
func (s *session) claimRoom(id packet.ID, size, need int64) bool {
	c, room, err := s.sp.Claim(s.node.ID, need, s.c.Reserve.Of)
	if errors.Is(err, spool.ErrNoRoom) {
		s.mu.Lock()
		markRefused(s.noRoom, &s.stats.NoRoom, id)
		s.mu.Unlock()
		s.log.Warn("packet not requested: it does not fit in the free space above the reserve", "who", "sp-info",
			"pkt", id.String(), "size", size, "need", need, "free", room.Avail, "reserve", room.Reserve, "claimed", room.Claimed)
		return false
	}
	if err != nil {
		// Free space unknown: ask for it as NNCP would; a full disk
		// then ends the session with ENOSPC, but nothing is lost.
		s.log.Warn("free space unknown", "who", "sp-info", "pkt", id.String(), "err", err)
		return true
	}
	s.mu.Lock()
	s.claims[id].Release() // offered again: the new claim replaces it
	s.claims[id] = c
	clearRefused(s.noRoom, &s.stats.NoRoom, id) // offered again once space was freed
	s.mu.Unlock()
	return true
}

// unrequested reports whether FILE data for id must be dropped: we did
// not ask for it because it does not fit (the free space or a quota),
// whatever the peer sends.
// The caller holds s.mu.
func (s *session) unrequested(id packet.ID) bool {
	return s.noRoom[id] || s.overQuota[id]
}

// usedRoom records n bytes of id written. The caller holds s.mu.
func (s *session) usedRoom(id packet.ID, n int64) {
	s.claims[id].Used(n)
}

// releaseRoom gives back what id's download did not use (it completed,
// or the session ends). The caller holds s.mu.
func (s *session) releaseRoom(id packet.ID) {
	s.claims[id].Release()
	delete(s.claims, id)
}

// releaseAllClaims ends every claim on free space and on quotas: the
// session is over.
func (s *session) releaseAllClaims() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.claims {
		s.releaseRoom(id)
	}
	for id := range s.quotaClaims {
		s.releaseQuota(id)
	}
}

// markRefused records that offered packet id was not requested, counting
// it in *n the first time only: a peer offers a packet again in every
// INFO round. Call with s.mu held.
func markRefused(refused map[packet.ID]bool, n *int, id packet.ID) {
	if !refused[id] {
		*n++
	}
	refused[id] = true
}

// clearRefused undoes markRefused when id, offered again, is requested
// after all (space was freed, rx drained). Call with s.mu held.
func clearRefused(refused map[packet.ID]bool, n *int, id packet.ID) {
	if refused[id] {
		delete(refused, id)
		*n--
	}
}
