package spool

import (
	"slices"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
)

// lookup returns the cached job for each of names (in name order, ids
// their ids), a zero Size where none is cached, and whether the index
// holds entries for files that are gone: for a caller that has read the
// directory itself and wants the sizes of what it found. It walks the
// whole bucket, a batch per transaction (Listing is the way to list).
func (ix *index) lookup(node packet.ID, xx XX, names []string, ids []packet.ID) ([]Job, bool, error) {
	found := make([]Job, len(names))
	stale := false
	var from []byte
	for {
		last, more, _, err := ix.walk(node, xx, from, walkBatch, func(k, v []byte) bool {
			j, ok := decodeEntry(node, xx, k, v)
			if !ok {
				stale = true
				return true
			}
			i, hit := slices.BinarySearchFunc(names, string(k[1:]), strings.Compare)
			if !hit || ids[i] != j.ID {
				stale = true
				return true
			}
			found[i] = j
			return true
		})
		if err != nil {
			return found, stale, err
		}
		if from = last; !more {
			return found, stale, nil
		}
	}
}
