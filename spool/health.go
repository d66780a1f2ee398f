package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/packet"
)

// The read-only inspections of ferry doctor and ferry stat --metrics.
// None of them writes: no index update, no directory made, no lock kept
// (a lock is tried shared for an instant and let go), so a doctor run
// leaves the spool byte for byte as it found it.

// Inspect opens the spool at dir for the inspections below without
// creating anything: a spool that is not there is an error, not made.
func Inspect(dir string, self packet.ID, opt Options) (*Spool, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("spool %s: must be an absolute path", dir)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("spool %s: not a directory", dir)
	}
	s := &Spool{dir: filepath.Clean(dir), Self: self, opt: opt}
	s.ix = &index{path: filepath.Join(s.dir, "ferry.idx")}
	return s, nil
}

// Writable says why this process could not write the spool's top
// directory or its tmp/, or nil when it can.
func (s *Spool) Writable() error {
	for _, d := range []string{s.dir, s.tmpDir()} {
		if err := unix.Access(d, unix.W_OK|unix.X_OK); err != nil {
			if errors.Is(err, unix.ENOENT) && d == s.tmpDir() {
				continue // made on the first write
			}
			return &os.PathError{Op: "write", Path: d, Err: err}
		}
	}
	return nil
}

// QueueFile is a file of a queue named as a packet, as the directory
// shows it: its content is not read.
type QueueFile struct {
	ID      packet.ID
	Path    string // for messages
	Size    int64
	ModTime time.Time
}

// QueueFiles lists the files of node's xx queue whose names are packet
// ids, with their sizes and modification times, from the directory and
// one lstat each: no header is read and the index is not touched, so a
// queue of 100,000 packets is listed in well under 100 ms.
func (s *Spool) QueueFiles(node packet.ID, xx XX) ([]QueueFile, error) {
	return s.filesByID(s.queueDir(node, xx))
}

// BadFiles lists what SetAside put in node's xx/bad/.
func (s *Spool) BadFiles(node packet.ID, xx XX) ([]QueueFile, error) {
	return s.filesByID(s.badDir(node, xx))
}

func (s *Spool) filesByID(dir string) ([]QueueFile, error) {
	var files []QueueFile
	err := statByID(dir, func(id packet.ID, name string, st *unix.Stat_t) {
		files = append(files, QueueFile{ID: id, Path: filepath.Join(dir, name), Size: st.Size, ModTime: time.Unix(st.Mtim.Unix())})
	})
	return files, err
}

// QueueSummary is what a scrape wants of a queue.
type QueueSummary struct {
	Packets int
	Bytes   int64
	Oldest  time.Time // zero: empty
}

// Summary counts node's xx queue as QueueFiles lists it, without making
// an entry per file: a scrape's pass over 100,000 packets.
// The summary is cached while the directory is unchanged
// (summarycache.go), so a scrape of a quiet queue lists nothing.
func (s *Spool) Summary(node packet.ID, xx XX) (QueueSummary, error) {
	dir := s.queueDir(node, xx)
	return cachedOf(s, dir, dir, func() (QueueSummary, error) { return summarise(dir) })
}

// BadSummary is Summary of node's xx/bad/.
func (s *Spool) BadSummary(node packet.ID, xx XX) (QueueSummary, error) {
	dir := s.badDir(node, xx)
	return cachedOf(s, dir, dir, func() (QueueSummary, error) { return summarise(dir) })
}

// PartialCounts are how many .part and .nock files a node's rx holds.
type PartialCounts struct{ Part, Nock int }

// PartialCount counts node's rx/*.part and rx/*.nock by name, cached
// while rx is unchanged: a growing .part changes no count.
func (s *Spool) PartialCount(node packet.ID) (PartialCounts, error) {
	dir := s.queueDir(node, RX)
	return cachedOf(s, dir+"\x00partial", dir, func() (PartialCounts, error) {
		var n PartialCounts
		parts, err := s.PartialFiles(node)
		for _, p := range parts {
			if p.Nock {
				n.Nock++
			} else {
				n.Part++
			}
		}
		return n, err
	})
}

func summarise(dir string) (QueueSummary, error) {
	var q QueueSummary
	err := statByID(dir, func(_ packet.ID, _ string, st *unix.Stat_t) {
		m := time.Unix(st.Mtim.Unix())
		q.Packets++
		q.Bytes += st.Size
		if q.Oldest.IsZero() || m.Before(q.Oldest) {
			q.Oldest = m
		}
	})
	return q, err
}

// statByID calls fn for each regular file of dir named as a packet id,
// in name order, with its lstat. The lstats are taken relative to the
// open directory (no path walk per file) on a few goroutines, each
// filling its own part of one slice: on a cold cache each lstat waits
// on the disk.
func statByID(dir string, fn func(id packet.ID, name string, st *unix.Stat_t)) error {
	d, err := os.Open(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer func() { _ = d.Close() }() // read only
	names, err := d.Readdirnames(-1)
	if err != nil {
		return err
	}
	kept := names[:0]
	for _, n := range names {
		if len(n) == 52 {
			kept = append(kept, n)
		}
	}
	names = kept
	slices.Sort(names)
	fd := int(d.Fd())
	sts := make([]unix.Stat_t, len(names))
	stat := func(from, to int) {
		for i := from; i < to; i++ {
			if unix.Fstatat(fd, names[i], &sts[i], unix.AT_SYMLINK_NOFOLLOW) != nil {
				sts[i].Mode = 0 // gone while we listed
			}
		}
	}
	const perWorker = 4096
	workers := min(statWorkers, (len(names)+perWorker-1)/perWorker)
	if workers <= 1 {
		stat(0, len(names))
	} else {
		var wg sync.WaitGroup
		step := (len(names) + workers - 1) / workers
		for from := 0; from < len(names); from += step {
			wg.Go(func() { stat(from, min(from+step, len(names))) })
		}
		wg.Wait()
	}
	for i, n := range names {
		if sts[i].Mode&unix.S_IFMT != unix.S_IFREG {
			continue // gone, or not a packet file
		}
		if id, err := packet.ParseID(n); err == nil {
			fn(id, n, &sts[i])
		}
	}
	return nil
}

// statWorkers bounds the goroutines taking lstats at once.
const statWorkers = 4

// PartialFiles lists node's rx/*.part and rx/*.nock with their sizes
// and modification times.
func (s *Spool) PartialFiles(node packet.ID) ([]PartialFile, error) {
	dir := s.queueDir(node, RX)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []PartialFile
	for _, e := range ents {
		base, nock := strings.CutSuffix(e.Name(), ".nock")
		if !nock {
			var ok bool
			if base, ok = strings.CutSuffix(e.Name(), ".part"); !ok {
				continue
			}
		}
		id, err := packet.ParseID(base)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone while we listed
		}
		out = append(out, PartialFile{Partial: Partial{ID: id, Size: info.Size(), Nock: nock},
			Path: filepath.Join(dir, e.Name()), ModTime: info.ModTime()})
	}
	return out, nil
}

// PartialFile is a Partial with its path and modification time.
type PartialFile struct {
	Partial
	Path    string
	ModTime time.Time
}

// LockFile is one of a node's lock files as found.
type LockFile struct {
	Kind LockKind
	Path string
	Held bool  // another process holds it right now
	Err  error // why this process could not take it: the lock cannot work
}

// LockFiles inspects node's <kind>.lock files. A lock file nobody holds
// is normal: flock dies with its holder, and NNCP and ferry leave the
// files in place. What is reported as Err is a lock file that cannot
// work for this user (not a regular file, not writable), which makes
// every later command on the node fail.
func (s *Spool) LockFiles(node packet.ID) ([]LockFile, error) {
	dir := s.nodeDir(node)
	m, err := filepath.Glob(filepath.Join(dir, "*.lock"))
	if err != nil {
		return nil, err
	}
	var out []LockFile
	for _, p := range m {
		l := LockFile{Kind: LockKind(strings.TrimSuffix(filepath.Base(p), ".lock")), Path: p}
		info, err := os.Lstat(p)
		switch {
		case err != nil:
			continue // gone while we looked
		case !info.Mode().IsRegular():
			l.Err = fmt.Errorf("%s: not a regular file (%s)", p, info.Mode().Type())
		default:
			if err := unix.Access(p, unix.W_OK); err != nil {
				l.Err = &os.PathError{Op: "open for writing", Path: p, Err: err}
				break
			}
			l.Held = heldByOther(p)
		}
		out = append(out, l)
	}
	return out, nil
}

// heldByOther tries a shared flock for an instant: it fails while a
// process holds the lock to work on the node.
func heldByOther(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // closing also drops the probe's lock
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN) // the close drops it anyway
	return false
}

// NodePath names node's directory in messages (doctor's advice on a
// queue no neighbour owns).
func (s *Spool) NodePath(node packet.ID) string { return s.nodeDir(node) }

// TmpFile is a file in SPOOL/tmp: a packet or scratch file being
// written, or one left by a writer that died.
type TmpFile struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// TmpFiles lists SPOOL/tmp.
func (s *Spool) TmpFiles() ([]TmpFile, error) {
	ents, err := os.ReadDir(s.tmpDir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []TmpFile
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			continue // renamed into place while we listed
		}
		out = append(out, TmpFile{Path: filepath.Join(s.tmpDir(), e.Name()), Size: info.Size(), ModTime: info.ModTime()})
	}
	return out, nil
}
