package spool

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// Listing is one pass over the complete packets of a queue, most urgent
// first and by name within a niceness, handed out a batch at a time by
// Next. It never holds the queue's jobs: they stream from the index,
// whose keys are in that order, in short read-only transactions.
//
// List makes the index match the directory first. A queue whose
// directory has not changed since a listing last made them match is
// listed from the index alone (trusted), without reading the directory;
// otherwise List reads the directory's names, walks the index beside
// them, reads the headers of the packets it lacks (in runs of ix.batch,
// each added in one transaction) and drops what is stale. Only if the
// index is busy or broken does a listing hold its jobs (mem), read from
// the files, as every listing did before.
type Listing struct {
	s     *Spool
	node  packet.ID
	xx    XX
	dir   string
	stamp listStamp // the directory's at the start (zero: there was none)

	// The packets the directory held, in name order, and what became of
	// each (idUnknown...); nil when trusted or exact.
	ids     []nameKey
	state   []uint8
	trusted bool
	// exact: the reconcile found the bucket to hold exactly the
	// directory's packets, nobody else writing meanwhile, so the walk
	// hands out the bucket as a trusted listing does instead of looking
	// each entry up among the names again.
	exact bool

	bad    []BadFile
	tally  *Tally // counted while reconciling; nil: counted on demand
	mem    []Job  // the rest of the listing when the index failed
	memPos int

	after []byte // key of the last job handed out: the walk goes on past it
	nice  int    // the niceness the walk is in (-1: none yet)
	pos   int    // how far in ids the walk of that niceness got
	done  bool
}

// What a listing made of each name it read from the directory.
const (
	idUnknown uint8 = iota // not (yet) found in the index
	idIndexed              // in the index
	idGone                 // vanished while listed, or not a packet
	idListed               // handed out by Next
)

// walkBatch is how many index entries one read-only transaction walks:
// each maps the file afresh, so only that many entries' pages are
// resident at once, however large the queue.
const walkBatch = 20000

// maxStale bounds the stale keys a listing remembers for deletion; past
// it, the commit walks the bucket and asks the listing of each key.
const maxStale = 10000

// maxBadKept bounds the non-packets a trusted stamp carries: a queue
// with more is read from the directory every time, as it needs looking
// at anyway.
const maxBadKept = 1000

// Total is how many packets of how many bytes.
type Total struct {
	Packets int
	Bytes   int64
}

// Tally is what a queue holds at each niceness.
type Tally [256]Total

func (t *Tally) add(nice uint8, size int64) {
	t[nice].Packets++
	t[nice].Bytes += size
}

// List starts a listing of node's xx queue. A queue with no directory
// is an empty listing.
func (s *Spool) List(node packet.ID, xx XX) (*Listing, error) {
	l := &Listing{s: s, node: node, xx: xx, dir: s.queueDir(node, xx), nice: -1}
	d, err := os.Open(l.dir)
	if err != nil {
		if os.IsNotExist(err) {
			l.done, l.tally = true, &Tally{}
			return l, nil
		}
		return nil, err
	}
	defer func() { _ = d.Close() }() // read only
	now := s.ix.clock()
	var st unix.Stat_t
	if err := unix.Fstat(int(d.Fd()), &st); err != nil {
		return nil, &os.PathError{Op: "fstat", Path: l.dir, Err: err}
	}
	stamp := listStampOf(&st)
	l.stamp = stamp
	m, ixErr := s.ix.meta(node, xx)
	if ixErr == nil && m.stamped && m.stamp == stamp && l.stillBad(int(d.Fd()), m.bad) {
		l.trusted = true
		return l, nil
	}
	l.bad = nil
	if err := l.readDir(d); err != nil {
		return nil, err
	}
	if ixErr == nil {
		ixErr = l.reconcile(int(d.Fd()), stamp, now)
	}
	if ixErr != nil && s.stopped() != nil {
		return nil, ixErr // cancelled: not a reason to read every header at once instead
	}
	if ixErr != nil {
		// Busy or broken: it is only a cache, the files answer.
		return l, l.toMemory(int(d.Fd()))
	}
	return l, nil
}

// stillBad says whether the non-packets a trusted stamp lists are still
// not packets (a file's content can change without its directory), and
// keeps them as the listing's BadFiles.
func (l *Listing) stillBad(dirfd int, ids []packet.ID) bool {
	buf := make([]byte, readJobBuf)
	for _, id := range ids {
		_, err := readJobAt(dirfd, l.dir, l.node, l.xx, id, buf)
		if err == nil || os.IsNotExist(err) {
			return false
		}
		l.bad = append(l.bad, BadFile{filepath.Join(l.dir, id.String()), id, err})
	}
	return true
}

// readDir reads the directory's packet names into ids, in name order.
// Only names of exactly 52 Base32 characters are packets (hdr/, seen/,
// .part never are). The entries are parsed from getdents's buffer
// straight into keys: no string is made per name (Readdirnames made a
// million of them), and the keys are gathered in chunks and copied once
// into a slice of the right size (append regrew and copied it, by a
// quarter each time).
func (l *Listing) readDir(d *os.File) error {
	var chunks [][]nameKey
	cur := make([]nameKey, 0, 4096)
	total := 0
	err := eachPacketName(int(d.Fd()), l.dir, func(k nameKey, _ uint64) {
		if len(cur) == cap(cur) {
			chunks, total = append(chunks, cur), total+len(cur)
			cur = make([]nameKey, 0, 4096)
		}
		cur = append(cur, k)
	})
	if err != nil {
		return err
	}
	l.ids = make([]nameKey, 0, total+len(cur))
	for _, c := range chunks {
		l.ids = append(l.ids, c...)
	}
	l.ids = append(l.ids, cur...)
	sortByName(l.ids)
	l.state = make([]uint8, len(l.ids))
	return nil
}

// eachPacketName calls fn with the key and inode number of each packet
// name in the directory open as fd (dir is its path, for errors), in the
// directory's order. Only names of exactly 52 Base32 characters are
// packets (hdr/, seen/, .part never are).
func eachPacketName(fd int, dir string, fn func(k nameKey, ino uint64)) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n <= 0 {
			return nil
		}
		for b := buf[:n]; len(b) >= direntNameOff; {
			reclen := int(binary.NativeEndian.Uint16(b[direntReclenOff:]))
			if reclen < direntNameOff || reclen > len(b) {
				return &os.PathError{Op: "getdents", Path: dir, Err: unix.EIO}
			}
			ino := binary.NativeEndian.Uint64(b[direntInoOff:])
			name := b[direntNameOff:reclen]
			b = b[reclen:]
			if len(name) <= 52 || name[52] != 0 || name[51] == 0 {
				continue // not 52 characters long
			}
			if k, ok := nameKeyOf(name[:52]); ok {
				fn(k, ino)
			}
		}
	}
}

// Offsets in a linux_dirent64: ino(8) off(8) reclen(2) type(1) name.
const (
	direntInoOff    = 0
	direntReclenOff = 16
	direntNameOff   = 19
)

// find returns where k is in ids, walking one niceness's entries in
// name order: *nice and *pos keep the walk's place between calls.
func (l *Listing) find(nice uint8, k nameKey, walkNice, pos *int) (int, bool) {
	if int(nice) != *walkNice {
		*walkNice, *pos = int(nice), 0
	}
	*pos = seekName(l.ids, *pos, k)
	return *pos, *pos < len(l.ids) && l.ids[*pos] == k
}

// entryKeyOf reads an index entry as the walk beside the names needs
// it: the entry's niceness, the key of its name and its size; ok is
// false for a malformed entry (treated as stale).
func entryKeyOf(k, v []byte) (nice uint8, key nameKey, size int64, ok bool) {
	if len(k) != keyLen || len(v) != entryLen {
		return 0, nameKey{}, 0, false
	}
	key, ok = nameKeyOf(k[1:])
	return k[0], key, int64(binary.BigEndian.Uint64(v)), ok
}

// reconcile makes the index match the names read: it marks those the
// index holds, reads and adds the others' headers, drops stale entries,
// and stamps the queue when nobody else wrote it meanwhile. Any error
// is the index's (busy or broken).
func (l *Listing) reconcile(dirfd int, stamp listStamp, now time.Time) error {
	ix := l.s.ix
	tally := &Tally{}
	var gen uint64
	raced, first, tooMany := false, true, false
	var stale [][]byte
	var from []byte
	walkNice, pos := -1, 0
	for {
		last, more, m, err := ix.walk(l.node, l.xx, from, walkBatch, func(k, v []byte) bool {
			if nice, key, size, ok := entryKeyOf(k, v); ok {
				if i, found := l.find(nice, key, &walkNice, &pos); found && l.state[i] == idUnknown {
					l.state[i] = idIndexed
					tally.add(nice, size)
					return true
				}
			}
			if len(stale) < maxStale {
				stale = append(stale, bytes.Clone(k))
			} else {
				tooMany = true
			}
			return true
		})
		if err != nil {
			return err
		}
		if first {
			gen, first = m.gen, false
		} else if m.gen != gen {
			raced = true // written meanwhile: what was walked may be partly older
		}
		from = last
		if !more {
			break
		}
	}
	var missing []int
	for i, st := range l.state {
		if st == idUnknown {
			missing = append(missing, i)
		}
	}
	batch := ix.batch
	if batch <= 0 {
		batch = addBatch
	}
	jobs := make([]Job, min(batch, len(missing)))
	var badIDs []packet.ID
	for len(missing) > 0 {
		if err := l.s.stopped(); err != nil {
			return fmt.Errorf("listing %s: %d packet headers left unread: %w", l.dir, len(missing), err)
		}
		run := missing[:min(len(missing), batch)]
		missing = missing[len(run):]
		errs := l.s.readJobs(dirfd, l.dir, l.node, l.xx, l.ids, run, jobs)
		good := jobs[:0] // written behind the reading: each job moves down or stays
		for k, i := range run {
			switch err := errs[k]; {
			case err == nil:
				l.state[i] = idIndexed
				tally.add(jobs[k].Nice, jobs[k].Size)
				good = append(good, jobs[k])
			case os.IsNotExist(err): // removed while we listed: fine
				l.state[i] = idGone
			default:
				l.state[i] = idGone
				id := l.ids[i].id()
				l.bad = append(l.bad, BadFile{filepath.Join(l.dir, id.String()), id, err})
				badIDs = append(badIDs, id)
			}
		}
		if len(good) == 0 {
			continue
		}
		g, same, err := ix.add(l.node, l.xx, good, gen)
		if err != nil {
			return err
		}
		raced = raced || !same
		gen = g
	}
	l.tally = tally
	var keep *listStamp
	if !raced && stamp.trustworthy(now) && len(badIDs) <= maxBadKept {
		keep = &stamp
	}
	if len(stale) == 0 && !tooMany && keep == nil {
		l.setExact(!raced)
		return nil // nothing to write
	}
	var present func(k []byte) bool
	if tooMany {
		walkNice, pos := -1, 0
		present = func(k []byte) bool {
			nice, key, _, ok := entryKeyOf(k, make([]byte, entryLen))
			if !ok {
				return false
			}
			i, found := l.find(nice, key, &walkNice, &pos)
			return found && l.state[i] == idIndexed
		}
	}
	// Failing, it only loses the prune or the stamp: the next listing
	// reads the directory again and finds the same.
	_, same, err := ix.commitListing(l.node, l.xx, gen, stale, present, keep, badIDs)
	l.setExact(err == nil && same && !raced)
	return nil
}

// setExact records whether the bucket now holds exactly the packets
// read from the directory; if so, the names are no longer needed (a
// million of them are 32 MB): the walk hands out the bucket as it is,
// and a fall-back to the files reads the directory again.
func (l *Listing) setExact(exact bool) {
	if l.exact = exact; exact {
		l.ids, l.state = nil, nil
	}
}

// sizeHint is about how many jobs the listing holds: for a caller that
// keeps them all, so that it allocates once.
func (l *Listing) sizeHint() int {
	switch {
	case l.mem != nil:
		return len(l.mem) - l.memPos
	case l.tally != nil:
		n := 0
		for _, t := range l.tally {
			n += t.Packets
		}
		return n
	case l.ids != nil:
		return len(l.ids)
	}
	return l.s.ix.count(l.node, l.xx)
}

// take says whether the walk hands out j: a packet the directory held
// and that was not handed out yet (a trusted listing hands out the index
// as it is).
func (l *Listing) take(j Job) bool {
	if l.trusted || l.exact {
		return true
	}
	i, found := l.find(j.Nice, keyOf(j.ID), &l.nice, &l.pos)
	if !found || l.state[i] != idIndexed {
		return false
	}
	l.state[i] = idListed
	return true
}

// Next fills buf with the next jobs of the listing and says how many;
// 0 means the listing is over. If the index fails midway, the rest is
// read from the files.
func (l *Listing) Next(buf []Job) (int, error) {
	n := 0
	for n < len(buf) && !l.done && l.mem == nil {
		last, more, _, err := l.s.ix.walk(l.node, l.xx, l.after, walkBatch, func(k, v []byte) bool {
			j, ok := decodeEntry(l.node, l.xx, k, v)
			if !ok || !l.take(j) {
				return true
			}
			buf[n] = j
			n++
			return n < len(buf)
		})
		if err != nil {
			if err := l.toMemory(-1); err != nil {
				return n, err
			}
			break
		}
		l.after = last
		if l.done = !more; l.done {
			l.ids, l.state = nil, nil // all handed out: a million ids are 32 MB
		}
	}
	if l.mem != nil {
		m := copy(buf[n:], l.mem[l.memPos:])
		l.memPos += m
		n += m
	}
	return n, nil
}

// Changed says whether the queue's directory changed since the listing
// began (or cannot be looked at): whether a new listing could find more.
func (l *Listing) Changed() bool {
	var st unix.Stat_t
	if err := unix.Stat(l.dir, &st); err != nil {
		return !(os.IsNotExist(err) && l.stamp == listStamp{})
	}
	return listStampOf(&st) != l.stamp
}

// Bad is what the listing found named as a packet that is not one.
func (l *Listing) Bad() []BadFile { return l.bad }

// Tally counts the listing's packets by niceness: from the names
// reconciled, or a walk of the index (only keys and sizes are read, no
// Job is made), or the jobs in memory (if the index failed after Next
// handed out some, those are not counted).
func (l *Listing) Tally() (Tally, error) {
	if l.tally != nil {
		return *l.tally, nil
	}
	var t Tally
	if l.mem != nil {
		for _, j := range l.mem {
			t.add(j.Nice, j.Size)
		}
		return t, nil
	}
	var from []byte
	for {
		last, more, _, err := l.s.ix.walk(l.node, l.xx, from, walkBatch, func(k, v []byte) bool {
			if len(k) == keyLen && len(v) == entryLen {
				t.add(k[0], int64(binary.BigEndian.Uint64(v)))
			}
			return true
		})
		if err != nil {
			if err := l.toMemory(-1); err != nil {
				return Tally{}, err
			}
			return l.Tally()
		}
		if from = last; !more {
			break
		}
	}
	l.tally = &t
	return t, nil
}

// toMemory reads the rest of the listing (past l.after) from the files,
// for when the index cannot be used: the old way, which holds every job.
// dirfd is the directory when the caller has it open (-1: opened here).
func (l *Listing) toMemory(dirfd int) error {
	if dirfd < 0 {
		d, err := os.Open(l.dir)
		if err != nil {
			if os.IsNotExist(err) {
				l.mem, l.done = []Job{}, true
				return nil
			}
			return err
		}
		defer func() { _ = d.Close() }() // read only
		dirfd = int(d.Fd())
		if l.ids == nil { // trusted: the names were not read
			if err := l.readDir(d); err != nil {
				return err
			}
			l.bad = nil // read again below
		}
	}
	var which []int
	for i, st := range l.state {
		if st != idGone && st != idListed {
			which = append(which, i)
		}
	}
	found := make([]Job, len(which))
	errs := l.s.readJobs(dirfd, l.dir, l.node, l.xx, l.ids, which, found)
	kept := found[:0]
	for k, i := range which {
		switch err := errs[k]; {
		case err == nil:
			if l.after == nil || bytes.Compare(entryKey(found[k].Nice, found[k].ID), l.after) > 0 {
				kept = append(kept, found[k])
			}
		case os.IsNotExist(err):
		default:
			id := l.ids[i].id()
			l.bad = append(l.bad, BadFile{filepath.Join(l.dir, id.String()), id, err})
		}
	}
	l.mem, l.memPos, l.done = byNice(kept), 0, true
	return nil
}
