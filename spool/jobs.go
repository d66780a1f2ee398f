package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// Job is one packet in a queue.
type Job struct {
	Node   packet.ID
	XX     XX
	ID     packet.ID
	Nice   uint8
	Size   int64
	Sender packet.ID
}

// BadFile is a file in a queue that looks like a packet by name but not by
// content. Listings report them instead of failing or hiding them.
type BadFile struct {
	Path string
	ID   packet.ID // its name
	Err  error
}

// Jobs lists the complete packets of a queue, most urgent first, then by
// name. Headers come from the index, else from hdr/, else the packet.
func (s *Spool) Jobs(node packet.ID, xx XX) ([]Job, []BadFile, error) {
	dir := s.queueDir(node, xx)
	d, err := os.Open(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	// Readdirnames: no sorting and no per-entry objects; only names of
	// exactly 52 Base32 characters are packets (hdr/, seen/, .part never are).
	all, err := d.Readdirnames(-1)
	_ = d.Close() // read only
	if err != nil {
		return nil, nil, err
	}
	names := all[:0]
	for _, n := range all {
		if len(n) == 52 {
			names = append(names, n)
		}
	}
	// Name order is the listing's order within a niceness, and the order
	// in which the index is walked.
	slices.Sort(names)
	ids := make([]packet.ID, 0, len(names))
	kept := names[:0]
	for _, n := range names {
		if id, err := packet.ParseID(n); err == nil {
			kept = append(kept, n)
			ids = append(ids, id)
		}
	}
	names = kept
	found, stale, ixErr := s.ix.lookup(node, xx, names, ids)
	var missing []int
	for i := range names {
		if found[i].Size <= 0 {
			missing = append(missing, i)
		}
	}
	errs := s.readJobs(node, xx, names, missing, found)
	var fresh []Job
	var bad []BadFile
	for k, i := range missing {
		if err := errs[k]; err != nil {
			if !os.IsNotExist(err) { // removed while we listed: fine
				bad = append(bad, BadFile{filepath.Join(dir, names[i]), ids[i], err})
			}
			found[i].Size = -1 // not listed
			continue
		}
		fresh = append(fresh, found[i])
	}
	if ixErr == nil {
		s.ix.add(node, xx, fresh)
		if stale {
			present := make(map[string]bool, len(names))
			for _, n := range names {
				present[n] = true
			}
			s.ix.prune(node, xx, present)
		}
	}
	return byNice(found), bad, nil
}

// byNice returns the listed jobs (Size > 0), given in name order, most
// urgent first and in name order within a niceness: a counting sort that
// moves each Job once (a Job is over 100 bytes; with 100,000 of them the
// moves cost more than the ordering).
func byNice(found []Job) []Job {
	var start [257]int
	for i := range found {
		if found[i].Size > 0 {
			start[int(found[i].Nice)+1]++
		}
	}
	for n := 1; n < len(start); n++ {
		start[n] += start[n-1]
	}
	jobs := make([]Job, start[256])
	for i := range found {
		if found[i].Size > 0 {
			n := found[i].Nice
			jobs[start[n]] = found[i]
			start[n]++
		}
	}
	return jobs
}

// readJobs reads the headers of names[i] for each i in missing into
// found[i], returning each one's error. Many are read by several
// goroutines: each header costs an open and a read, and a queue nobody
// listed yet (or whose packets came in by call or xfer) can hold
// thousands.
func (s *Spool) readJobs(node packet.ID, xx XX, names []string, missing []int, found []Job) []error {
	errs := make([]error, len(missing))
	read := func(from, to int) {
		for k := from; k < to; k++ {
			found[missing[k]], errs[k] = s.readJob(node, xx, names[missing[k]])
		}
	}
	const perWorker = 256
	workers := min(readJobsWorkers, (len(missing)+perWorker-1)/perWorker)
	if workers <= 1 {
		read(0, len(missing))
		return errs
	}
	var wg sync.WaitGroup
	step := (len(missing) + workers - 1) / workers
	for from := 0; from < len(missing); from += step {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			read(from, to)
		}(from, min(from+step, len(missing)))
	}
	wg.Wait()
	return errs
}

// readJobsWorkers bounds the goroutines reading headers at once.
const readJobsWorkers = 4

// readJob reads one packet's header from the packet itself: one open,
// fstat and read. Its hdr/ copy, if any, is not read: it costs the same
// syscalls plus a failed open where there is none (the usual case: ferry
// caches headers in the index instead), and the packet is the truth (a
// damaged copy must not make a good packet look damaged).
func (s *Spool) readJob(node packet.ID, xx XX, name string) (Job, error) {
	id, _ := packet.ParseID(name)
	var head [packet.EncHeaderSize]byte
	n, size, err := fsio.ReadHead(filepath.Join(s.queueDir(node, xx), name), head[:])
	if err != nil {
		return Job{}, err
	}
	if n < packet.EncHeaderSize {
		return Job{}, fmt.Errorf("%d bytes: %w", n, packet.ErrShortHeader)
	}
	h, err := packet.ParseEncHeader(head[:])
	if err != nil {
		return Job{}, err
	}
	return Job{Node: node, XX: xx, ID: id, Nice: h.Nice, Size: size, Sender: h.Sender}, nil
}

// Partial is an incomplete online download (.part) or one awaiting its
// checksum (.nock).
type Partial struct {
	ID   packet.ID
	Size int64
	Nock bool
}

// Partials lists rx/*.part and rx/*.nock of a node.
func (s *Spool) Partials(node packet.ID) ([]Partial, error) {
	files, err := s.PartialFiles(node)
	out := make([]Partial, len(files))
	for i, f := range files {
		out[i] = f.Partial
	}
	return out, err
}

// Open opens a packet for reading.
func (s *Spool) Open(node packet.ID, xx XX, id packet.ID) (*os.File, error) {
	return fsio.OpenFile(s.packetPath(node, xx, id), os.O_RDONLY, 0)
}

// OpenStream opens a packet for one sequential read from start to end,
// bypassing the page cache where that is cheaper (see StreamReader).
func (s *Spool) OpenStream(node packet.ID, xx XX, id packet.ID) (*fsio.StreamReader, error) {
	return fsio.OpenStream(s.packetPath(node, xx, id))
}

// OpenStreamAt is OpenStream from offset off: a download resumed.
func (s *Spool) OpenStreamAt(node packet.ID, xx XX, id packet.ID, off int64) (*fsio.StreamReader, error) {
	return fsio.OpenStreamAt(s.packetPath(node, xx, id), off)
}

// ReadAt reads len(buf) bytes of a packet from off, or up to its end, in
// one open and read: for a packet, or its rest, that fits one message.
func (s *Spool) ReadAt(node packet.ID, xx XX, id packet.ID, buf []byte, off int64) (int, error) {
	return fsio.ReadAt(s.packetPath(node, xx, id), buf, off)
}

// Verify rehashes a packet and reports whether its content matches its name.
func (s *Spool) Verify(node packet.ID, xx XX, id packet.ID) (bool, error) {
	f, err := s.Open(node, xx, id)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }() // read only
	got, _, err := packet.MTHOf(f)
	return err == nil && got == id, err
}
