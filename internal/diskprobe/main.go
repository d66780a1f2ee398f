// Command diskprobe measures what the disk under a directory does at
// best, for the limit figures of `make bench` (testdata/bench.sh): the
// seconds to write 1 GiB alone, to read 1 GiB alone from the device, to
// read 1 GiB and write 1 GiB at once (two files), and to write 1 GiB
// reading each chunk back once its write returned (the floor of a copy
// checked on its medium, as ferry's xfer out makes), all with O_DIRECT
// from ferry's own chunks (spool/fsio: 4 MiB in huge pages, one disk
// request each) and each write fsynced at its end.
//
// dd cannot stand for the disk any more: its buffers are heap pages,
// which a virtio disk (254 segments per request) splits into several
// requests, so ferry, reading and writing with huge-page chunks, ran at
// 190-254% of dd's "disk". Each kind of work is timed with 1 and with 2
// requests in flight (ferry keeps at most 2 reads and 1 write in flight)
// and the best is the limit printed.
//
// The files (5 per depth, of -size each) are removed at the end.
//
// Output, one line per kind: "write SECS DEPTH", "read SECS DEPTH",
// "rw SECS DEPTH", "verify SECS DEPTH" (DEPTH: requests in flight per
// file, per direction for verify, in the best run);
// -v adds a line per run on standard error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/spool/fsio"
)

func main() {
	dir := flag.String("dir", "", "directory on the filesystem to measure (5 files of -size per depth are made in it, then removed)")
	size := flag.Int64("size", 1<<30, "bytes per file, a multiple of 4 MiB")
	depths := flag.String("depths", "1,2", "requests in flight per file to try, comma-separated")
	verbose := flag.Bool("v", false, "print each run on standard error")
	flag.Parse()
	ds, err := parseDepths(*depths)
	if err == nil {
		var log io.Writer
		if *verbose {
			log = os.Stderr
		}
		err = run(os.Stdout, log, *dir, *size, ds)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "diskprobe: error:", err)
		os.Exit(1)
	}
}

func parseDepths(s string) ([]int, error) {
	var ds []int
	for _, f := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 1 || d > 16 {
			return nil, fmt.Errorf("-depths %q: each must be 1..16", s)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// result is the best run of one kind of work.
type result struct {
	secs  float64
	depth int
}

func (r *result) keep(secs float64, depth int) {
	if r.depth == 0 || secs < r.secs {
		r.secs, r.depth = secs, depth
	}
}

// run measures and prints the results to out, each run to log if not nil.
func run(out, log io.Writer, dir string, size int64, depths []int) (err error) {
	if dir == "" {
		return errors.New("no -dir: name a directory on the filesystem to measure")
	}
	if size <= 0 || size%fsio.ChunkSize != 0 {
		return fmt.Errorf("-size %d: must be a positive multiple of %d", size, fsio.ChunkSize)
	}
	// Every write makes a fresh file, as ferry writes a packet or a copy,
	// and none is truncated or removed before the end: on a filesystem
	// mounted with discard, freeing a GiB trims it, and the trim would
	// weigh on the next run (writing alone ran at 463 MiB/s just after
	// one, slower than writing beside a read). Each depth writes alone
	// twice, first and last, and the better counts.
	var made []string
	defer func() {
		for _, p := range made {
			if rerr := os.Remove(p); rerr != nil && err == nil {
				err = fmt.Errorf("removing the probe's file: %w", rerr)
			}
		}
	}()
	fresh := func(d int) string {
		p := filepath.Join(dir, fmt.Sprintf("diskprobe.%d.%d", d, len(made)))
		made = append(made, p)
		return p
	}
	var w, r, rw, v result
	for _, d := range depths {
		src := fresh(d)
		t, err := timed(func() error { return write(src, size, d) })
		if err != nil {
			return err
		}
		w.keep(t, d)
		// Reading alone, from the device: the file was written around
		// the cache; its pages are dropped all the same, in case the
		// filesystem took the writes through it.
		if err := evict(src); err != nil {
			return err
		}
		tr, err := timed(func() error { return read(src, size, d) })
		if err != nil {
			return err
		}
		r.keep(tr, d)
		// Both at once, as a toss of a packet on disk or an xfer does.
		if err := evict(src); err != nil {
			return err
		}
		dst := fresh(d)
		trw, err := timed(func() error {
			var wg sync.WaitGroup
			var rerr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				rerr = read(src, size, d)
			}()
			werr := write(dst, size, d)
			wg.Wait()
			return errors.Join(rerr, werr)
		})
		if err != nil {
			return err
		}
		rw.keep(trw, d)
		tv, err := timed(func() error { return verify(fresh(d), size, d) })
		if err != nil {
			return err
		}
		v.keep(tv, d)
		again := fresh(d)
		t2, err := timed(func() error { return write(again, size, d) })
		if err != nil {
			return err
		}
		w.keep(t2, d)
		if log != nil {
			mib := float64(size) / (1 << 20)
			_, _ = fmt.Fprintf(log, "depth %d: write %.0f then %.0f MiB/s, read %.0f MiB/s, both at once %.0f MiB/s each way, write and read back %.0f MiB/s\n", d, mib/t, mib/t2, mib/tr, mib/trw, mib/tv)
		}
	}
	// verify once more, the depths in reverse order: on this project's
	// VM the first GiBs written after files were deleted run ~35% slower
	// (spool/fsio/verified_write.go), so the depth measured first would
	// lose whatever it is worth, and its label would mislead.
	for i := len(depths) - 1; i >= 0; i-- {
		d := depths[i]
		tv, err := timed(func() error { return verify(fresh(d), size, d) })
		if err != nil {
			return err
		}
		if v.keep(tv, d); log != nil {
			_, _ = fmt.Fprintf(log, "depth %d again: write and read back %.0f MiB/s\n", d, float64(size)/(1<<20)/tv)
		}
	}
	_, err = fmt.Fprintf(out, "write %.3f %d\nread %.3f %d\nrw %.3f %d\nverify %.3f %d\n", w.secs, w.depth, r.secs, r.depth, rw.secs, rw.depth, v.secs, v.depth)
	return err
}

func timed(f func() error) (float64, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0).Seconds(), err
}

// evict drops path's pages from the page cache.
func evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("evicting the probe's file: %w", err)
	}
	err = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	_ = f.Close() // opened for reading: nothing to lose
	if err != nil {
		return fmt.Errorf("evicting %s from the page cache: %w", path, err)
	}
	return nil
}

// write makes path a fresh file of size bytes with O_DIRECT, depth
// chunks in flight, and fsyncs it.
func write(path string, size int64, depth int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_DIRECT, 0o600)
	if err != nil {
		return fmt.Errorf("creating the probe's file with O_DIRECT: %w", err)
	}
	err = each(size, depth, func(b []byte, off int64) error {
		_, err := f.WriteAt(b, off)
		return err
	})
	if err != nil {
		_ = f.Close() // the write's error is the one to report
		return fmt.Errorf("writing %s with O_DIRECT: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the fsync's error is the one to report
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	return nil
}

// verify writes path as write does, and reads each chunk back with
// O_DIRECT once its write has returned, depth reads in flight beside the
// next writes: what a copy checked on its medium costs at least. A write
// waits while depth*2 chunks are written and not yet read back, as a
// verified copy runs out of chunks when the reads fall behind.
func verify(path string, size int64, depth int) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|unix.O_DIRECT, 0o600)
	if err != nil {
		return fmt.Errorf("creating the probe's file with O_DIRECT: %w", err)
	}
	written := make(chan int64, depth*2)
	rerrs := make([]error, depth)
	var readers sync.WaitGroup
	for k := range depth {
		readers.Go(func() {
			b := fsio.Chunk()
			defer fsio.ReleaseChunk(b)
			for off := range written { // drained to the end even after an error: no writer is left blocked
				if rerrs[k] != nil {
					continue
				}
				n, err := f.ReadAt(b, off)
				if err == nil && n < len(b) {
					err = fmt.Errorf("short read at %d: %d of %d bytes", off, n, len(b))
				}
				rerrs[k] = err
			}
		})
	}
	err = each(size, depth, func(b []byte, off int64) error {
		if _, err := f.WriteAt(b, off); err != nil {
			return err
		}
		written <- off
		return nil
	})
	close(written)
	readers.Wait()
	if err = errors.Join(err, errors.Join(rerrs...)); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s and reading it back with O_DIRECT: %w", path, err)
	}
	return nil
}

// read reads path's size bytes with O_DIRECT, depth chunks in flight.
func read(path string, size int64, depth int) error {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		return fmt.Errorf("opening the probe's file with O_DIRECT: %w", err)
	}
	err = each(size, depth, func(b []byte, off int64) error {
		n, err := f.ReadAt(b, off)
		if err == nil && n < len(b) {
			err = fmt.Errorf("short read at %d: %d of %d bytes", off, n, len(b))
		}
		return err
	})
	_ = f.Close() // opened for reading: nothing to lose
	if err != nil {
		return fmt.Errorf("reading %s with O_DIRECT: %w", path, err)
	}
	return nil
}

// each calls io with a chunk of its own and each chunk-sized offset
// below size, on depth goroutines (so depth requests in flight), and
// returns the first error. Each chunk is filled first, which also faults
// its pages in: the bytes written are not zeroes, so that nothing on the
// way can take a shortcut for them.
func each(size int64, depth int, io func(b []byte, off int64) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, depth)
	var wg sync.WaitGroup
	for k := range depth {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := fsio.Chunk()
			defer fsio.ReleaseChunk(b)
			for i := range b {
				b[i] = byte(i*7 + k + 1)
			}
			for !failed.Load() {
				off := next.Add(fsio.ChunkSize) - fsio.ChunkSize
				if off >= size {
					return
				}
				if err := io(b, off); err != nil {
					errs[k] = err
					failed.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
