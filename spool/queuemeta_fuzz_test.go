package spool

import (
	"bytes"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// A meta record read from a damaged index never panics, and one that is
// accepted whole (its stamp trusted) is the canonical encoding of what
// was read: nothing in it is ignored that could make a stamp match.
func FuzzDecodeMeta(f *testing.F) {
	f.Add(encodeMeta(queueMeta{gen: 7, stamped: true, stamp: listStamp{ino: 1, dev: 2, mtime: 3, ctime: 4}, bad: []packet.ID{{9}}}))
	f.Add(encodeMeta(queueMeta{gen: 1}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, v []byte) {
		m := decodeMeta(v)
		if !m.stamped {
			return
		}
		if again := encodeMeta(m); !bytes.Equal(again, v) {
			t.Fatalf("accepted a non-canonical record %x (re-encoded %x)", v, again)
		}
	})
}
