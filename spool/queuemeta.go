package spool

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// queueMeta is what the index knows about a queue's bucket as a whole.
//
// gen counts the writes to the bucket: a listing that read the directory
// may say the bucket matches it only if no other process wrote in
// between, since a concurrent listing of an older directory could have
// pruned an entry this one relies on.
//
// stamp, when stamped, is the directory's state (listStamp) at the start
// of the listing that last made the bucket match the directory exactly:
// every packet in it indexed, nothing else. While the directory still
// shows that stamp, the bucket is the listing and the directory need not
// be read. bad lists the files of that listing that are not packets, so
// a later listing reports them again.
type queueMeta struct {
	gen     uint64
	stamped bool
	stamp   listStamp
	bad     []packet.ID
}

// metaLen is the fixed part: gen(8) stamped(1) stamp(4x8) nbad(4).
const metaLen = 8 + 1 + 4*8 + 4

func readMeta(tx *bolt.Tx, node packet.ID, xx XX) queueMeta {
	b := tx.Bucket(metaBucket)
	if b == nil {
		return queueMeta{}
	}
	return decodeMeta(b.Get([]byte(queueName(node, xx))))
}

// decodeMeta reads a meta record; a damaged one (the index is only a
// cache, and a file) is not trusted, keeping only its generation.
func decodeMeta(v []byte) queueMeta {
	if len(v) < metaLen {
		return queueMeta{}
	}
	m := queueMeta{gen: binary.BigEndian.Uint64(v)}
	n := uint64(binary.BigEndian.Uint32(v[metaLen-4:]))
	rest := v[metaLen:]
	if v[8] > 1 || uint64(len(rest)) != n*packet.IDLen {
		return m
	}
	m.stamped = v[8] == 1
	st := v[9:]
	m.stamp = listStamp{
		ino:   binary.BigEndian.Uint64(st),
		dev:   binary.BigEndian.Uint64(st[8:]),
		mtime: int64(binary.BigEndian.Uint64(st[16:])),
		ctime: int64(binary.BigEndian.Uint64(st[24:])),
	}
	for i := range int(n) {
		m.bad = append(m.bad, packet.ID(rest[i*packet.IDLen:]))
	}
	return m
}

func writeMeta(tx *bolt.Tx, node packet.ID, xx XX, m queueMeta) error {
	b, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	return b.Put([]byte(queueName(node, xx)), encodeMeta(m))
}

func encodeMeta(m queueMeta) []byte {
	v := make([]byte, metaLen, metaLen+len(m.bad)*packet.IDLen)
	binary.BigEndian.PutUint64(v, m.gen)
	if m.stamped {
		v[8] = 1
	}
	st := v[9:]
	binary.BigEndian.PutUint64(st, m.stamp.ino)
	binary.BigEndian.PutUint64(st[8:], m.stamp.dev)
	binary.BigEndian.PutUint64(st[16:], uint64(m.stamp.mtime))
	binary.BigEndian.PutUint64(st[24:], uint64(m.stamp.ctime))
	binary.BigEndian.PutUint32(v[metaLen-4:], uint32(len(m.bad)))
	for _, id := range m.bad {
		v = append(v, id[:]...)
	}
	return v
}

// listStamp is what a directory's inode says of its last change. Any
// entry created, removed or renamed in a directory sets its mtime and
// ctime to the current time; ctime cannot be set back by utimes.
type listStamp struct {
	ino, dev     uint64
	mtime, ctime int64 // nanoseconds
}

func listStampOf(st *unix.Stat_t) listStamp {
	return listStamp{ino: st.Ino, dev: uint64(st.Dev), mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// stampMargin is how long a directory must have been unchanged, at the
// start of a listing, for the listing's stamp to be trusted later.
// Filesystems keep coarse clocks (the kernel's tick, or a second), so a
// change made just after the listing read the directory can carry the
// same time as the change before it, and the stamp would not show it.
// A change made a full margin later than the last one cannot.
const stampMargin = 2 * time.Second

// trustworthy says whether a stamp taken at now can be relied on later.
func (d listStamp) trustworthy(now time.Time) bool {
	last := max(d.mtime, d.ctime)
	return now.UnixNano()-last >= int64(stampMargin)
}
