package spool

import (
	"fmt"
	"os"
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
// name, all at once: for queues a caller must hold whole anyway. A queue
// of any size is better walked with List or EachJob, which hold no more
// than a batch of its jobs. Headers come from the index, else from the
// packet.
func (s *Spool) Jobs(node packet.ID, xx XX) ([]Job, []BadFile, error) {
	l, err := s.List(node, xx)
	if err != nil {
		return nil, nil, err
	}
	// The listing fills the slice in place, sized once: 100,000 jobs
	// grown by append were copied and cleared over and over, the largest
	// cost of a warm listing.
	var jobs []Job
	if n := l.sizeHint(); n > 0 {
		jobs = make([]Job, 0, n)
	}
	var spill []Job // past the hint (the queue grew): a small buffer, not a regrown copy first
	for {
		buf := jobs[len(jobs):cap(jobs)]
		if len(buf) == 0 {
			if spill == nil {
				spill = make([]Job, 1024)
			}
			buf = spill
		}
		n, err := l.Next(buf)
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			break
		}
		if len(jobs) < cap(jobs) {
			jobs = jobs[:len(jobs)+n]
		} else {
			jobs = append(jobs, buf[:n]...)
		}
	}
	if len(jobs) == 0 {
		jobs = nil
	}
	return jobs, l.Bad(), nil
}

// EachJob calls fn for each complete packet of a queue, in Jobs's order,
// until fn returns false, and returns the files named as packets that
// are not. fn runs with no lock and no index transaction held.
func (s *Spool) EachJob(node packet.ID, xx XX, fn func(Job) bool) ([]BadFile, error) {
	l, err := s.List(node, xx)
	if err != nil {
		return nil, err
	}
	buf := make([]Job, 1024)
	for {
		n, err := l.Next(buf)
		if err != nil {
			return l.Bad(), err
		}
		if n == 0 {
			return l.Bad(), nil
		}
		for _, j := range buf[:n] {
			if !fn(j) {
				return l.Bad(), nil
			}
		}
	}
}

// Count tallies a queue by niceness without making its jobs: from the
// index alone while the queue's directory is unchanged since it was last
// listed.
func (s *Spool) Count(node packet.ID, xx XX) (Tally, []BadFile, error) {
	l, err := s.List(node, xx)
	if err != nil {
		return Tally{}, nil, err
	}
	t, err := l.Tally()
	return t, l.Bad(), err
}

// byNice returns the jobs, given in name order, most urgent first and in
// name order within a niceness: a counting sort that moves each Job once
// (a Job is over 100 bytes; with 100,000 of them the moves cost more
// than the ordering).
func byNice(found []Job) []Job {
	var start [257]int
	for i := range found {
		start[int(found[i].Nice)+1]++
	}
	for n := 1; n < len(start); n++ {
		start[n] += start[n-1]
	}
	jobs := make([]Job, len(found))
	for i := range found {
		n := found[i].Nice
		jobs[start[n]] = found[i]
		start[n]++
	}
	return jobs
}

// readJobs reads the headers of the packet named ids[i] for each i in which into out[k]
// (k the place of i in which), returning each one's error. Many are read
// by several goroutines: each header costs an open and a read, and a
// queue nobody listed yet (or whose packets came in by call or xfer) can
// hold thousands.
func (s *Spool) readJobs(dirfd int, dir string, node packet.ID, xx XX, ids []nameKey, which []int, out []Job) []error {
	errs := make([]error, len(which))
	read := func(from, to int) {
		buf := make([]byte, readJobBuf)
		for k := from; k < to; k++ {
			out[k], errs[k] = readJobAt(dirfd, dir, node, xx, ids[which[k]].id(), buf)
		}
	}
	const perWorker = 256
	workers := min(readJobsWorkers, (len(which)+perWorker-1)/perWorker)
	if workers <= 1 {
		read(0, len(which))
		return errs
	}
	var wg sync.WaitGroup
	step := (len(which) + workers - 1) / workers
	for from := 0; from < len(which); from += step {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			read(from, to)
		}(from, min(from+step, len(which)))
	}
	wg.Wait()
	return errs
}

// readJobsWorkers bounds the goroutines reading headers at once.
const readJobsWorkers = 4

// readJobBuf is how much of a packet readJobAt reads: the header, and
// all of a small packet, whose size is then known without an fstat.
const readJobBuf = 4096

// readJobAt reads one packet's header from the packet itself, opened in
// the queue's directory dirfd, into buf (at least the header's size):
// one open and read (and an fstat when the packet is larger than buf). Its hdr/ copy,
// if any, is not read: it costs the same syscalls plus a failed open
// where there is none (the usual case: ferry caches headers in the index
// instead), and the packet is the truth (a damaged copy must not make a
// good packet look damaged).
func readJobAt(dirfd int, dir string, node packet.ID, xx XX, id packet.ID, buf []byte) (Job, error) {
	n, size, err := fsio.ReadHeadAt(dirfd, dir, id.String(), buf)
	if err != nil {
		return Job{}, err
	}
	if n < packet.EncHeaderSize {
		return Job{}, fmt.Errorf("%d bytes: %w", n, packet.ErrShortHeader)
	}
	h, err := packet.ParseEncHeader(buf[:packet.EncHeaderSize])
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

// OpenStreamOnce is OpenStream for a packet that is to be removed once
// read (tossed): the page cache is not left holding what was read.
func (s *Spool) OpenStreamOnce(node packet.ID, xx XX, id packet.ID) (*fsio.StreamReader, error) {
	return fsio.OpenStreamOnce(s.packetPath(node, xx, id))
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
	// A regular file read at offsets: both cores copy and hash (ferry
	// check has the machine to itself).
	got, _, err := packet.MTHOfReaderAt(f)
	return err == nil && got == id, err
}
