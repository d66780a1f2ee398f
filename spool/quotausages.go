package spool

import "github.com/ferry-dtn/ferry/packet"

// QuotaUsages is what every node's xx queue holds and has promised, as
// a quota counts it (QuotaUsage), and all of them together: what the
// metrics report against the quotas. Each queue is read once, and not at
// all while its cached count is current.
func (s *Spool) QuotaUsages(xx XX) (map[packet.ID]Usage, Usage, error) {
	counts, err := s.lockedCounts(packet.ID{}, xx, true)
	if err != nil {
		return nil, Usage{}, err
	}
	defer s.quota.mu.Unlock()
	delete(counts, queueKey{packet.ID{}, xx}) // the zero node's: the lookup's anchor, not a queue
	byNode := make(map[packet.ID]Usage, len(counts))
	var all Usage
	for key, c := range counts {
		u := s.usedOfLocked(key, c)
		byNode[key.node] = u
		all = all.add(u)
	}
	for key, m := range s.quota.claims { // queues with claims and no directory yet
		if _, counted := counts[key]; counted || key.xx != xx || len(m) == 0 {
			continue
		}
		u := s.usedOfLocked(key, queueCount{})
		byNode[key.node] = u
		all = all.add(u)
	}
	return byNode, all, nil
}
