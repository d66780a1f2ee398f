package outbox

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// FileOptions add chunking and the stdin source to Options.
type FileOptions struct {
	Options
	Chunked int64     // bytes per chunk; 0: no chunking
	Stdin   io.Reader // what src "-" reads; the library never reads os.Stdin itself
	// MaxChunks refuses a chunked send that would make more packets than
	// this, the meta packet included (0: no limit): one mistyped
	// --chunked once queued a million packets for a 1 GiB file.
	MaxChunks int
	// Progress, when set, is told how much of the source was read: one
	// job named after the source, over all its chunks.
	Progress packet.Progress
}

// TooManyChunksError is a chunked send refused for its packet count.
type TooManyChunksError struct {
	Count   int64 // packets it would make (at least, for a stream)
	AtLeast bool  // the source's size was unknown: Count is a lower bound
	Max     int
}

func (e *TooManyChunksError) Error() string {
	n := strconv.FormatInt(e.Count, 10)
	if e.AtLeast {
		n = "at least " + n
	}
	return fmt.Sprintf("chunked send would make %s packets, more than %d", n, e.Max)
}

// chunkCount is how many packets a chunked send of size bytes makes: its
// chunks (one, empty, for an empty source) and the meta packet.
func chunkCount(size, chunk int64) int64 {
	return max(1, (size+chunk-1)/chunk) + 1
}

// File queues src ("-" for opt.Stdin; a directory goes as a pax archive) to
// be saved as dst at the destination. With Chunked, a large or
// unknown-size source is split into `dst.nncp.chunkN` packets followed by
// `dst.nncp.meta`.
func (q *Outbox) File(ctx context.Context, d Dest, src, dst string, opt FileOptions) ([]Queued, error) {
	var (
		in    io.Reader
		size  int64 = -1
		total int64 = -1 // for progress: only a regular file's size is known
	)
	switch {
	case src == "-":
		if opt.Stdin == nil {
			return nil, fmt.Errorf("file: source \"-\" given but no stdin reader")
		}
		in = opt.Stdin
	default:
		f, info, err := openSource(src)
		if err != nil {
			return nil, spool.WrapPath("file", src, err)
		}
		defer func() { _ = f.Close() }() // read only
		if info.IsDir() {
			if dst == "" {
				dst = filepath.Base(filepath.Clean(src)) + ".tar"
			}
			return q.fileDir(ctx, d, src, dst, opt)
		}
		in, size = f, info.Size()
		if info.Mode().IsRegular() {
			sr := fsio.StreamFile(f)          // a large file not in the page cache is read around it
			defer func() { _ = sr.Close() }() // read only
			in, total = sr, size
		}
		if dst == "" {
			dst = filepath.Base(src)
		}
	}
	if dst == "" {
		return nil, fmt.Errorf("file: a destination name is needed when reading stdin")
	}
	if len(dst)+len(".nncp.chunk")+20 > packet.MaxPathLen {
		return nil, fmt.Errorf("file: destination name too long")
	}
	chunked := opt.Chunked > 0 && (size <= 0 || size > opt.Chunked)
	if chunked && size > 0 && opt.MaxChunks > 0 {
		if n := chunkCount(size, opt.Chunked); n > int64(opt.MaxChunks) {
			return nil, &TooManyChunksError{Count: n, Max: opt.MaxChunks}
		}
	}
	ph := packet.PlainHeader{Type: packet.TypeFile, Nice: opt.Nice, Path: []byte(dst)}
	packets := int64(1)
	if chunked {
		packets = chunkCount(size, opt.Chunked)
	}
	if err := q.checkFile(d, ph, size, packets, opt.Options); err != nil {
		return nil, err
	}
	meter := packet.NewProgressMeter(opt.Progress, sourceName(src), total)
	in = meter.Reader(in)
	var qs []Queued
	var err error
	if chunked {
		qs, err = q.fileChunked(ctx, d, in, dst, opt)
	} else {
		var r Queued
		if r, err = q.sendTo(ctx, d, ph, copyFrom(in), opt.Options); err == nil {
			qs = []Queued{r}
		}
	}
	return qs, finish(meter, err)
}

// finish reports a source's job done if err says it was.
func finish(m *packet.ProgressMeter, err error) error {
	if err == nil {
		m.Finish()
	}
	return err
}

// sourceName names a source in progress reports.
func sourceName(src string) string {
	if src == "-" {
		return "stdin"
	}
	return filepath.Base(src)
}

// fileDir streams a directory as a pax archive (directories 0777, files
// 0666) straight into the packet: no temporary archive.
func (q *Outbox) fileDir(ctx context.Context, d Dest, dir, dst string, opt FileOptions) ([]Queued, error) {
	// The archive's size is known only once written: progress counts
	// its bytes without a total.
	meter := packet.NewProgressMeter(opt.Progress, filepath.Base(filepath.Clean(dir)), -1)
	produce := func(w io.Writer) error {
		tw := tar.NewWriter(w)
		root := filepath.Dir(filepath.Clean(dir))
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && !e.Type().IsRegular() {
				return nil // sockets, devices and links are not sent
			}
			info, err := e.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			hdr := &tar.Header{
				Name: filepath.ToSlash(rel), ModTime: info.ModTime().Truncate(time.Second),
				Format: tar.FormatPAX, PAXRecords: map[string]string{"comment": "Autogenerated by ferry"},
			}
			if e.IsDir() {
				hdr.Typeflag, hdr.Mode, hdr.Name = tar.TypeDir, 0o777, hdr.Name+"/"
				return tw.WriteHeader(hdr)
			}
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o666, info.Size()
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer func() { _ = f.Close() }() // read only
			_, err = io.CopyN(tw, f, info.Size())
			return err
		})
		if err != nil {
			return err
		}
		return tw.Close()
	}
	if opt.Chunked > 0 {
		// Chunking needs a reader: stream the archive through a pipe.
		// The producer is waited for: closing the reader first makes
		// its next write fail when chunking stopped early.
		pr, pw := io.Pipe()
		produced := make(chan struct{})
		go func() { defer close(produced); pw.CloseWithError(produce(ctxWriter{ctx, pw})) }()
		defer func() { pr.Close(); <-produced }()
		qs, err := q.fileChunked(ctx, d, meter.Reader(pr), dst, opt)
		return qs, finish(meter, err)
	}
	ph := packet.PlainHeader{Type: packet.TypeFile, Nice: opt.Nice, Path: []byte(dst)}
	r, err := q.sendTo(ctx, d, ph, func(w io.Writer) error { return produce(meter.Writer(w)) }, opt.Options)
	if err = finish(meter, err); err != nil {
		return nil, err
	}
	return []Queued{r}, nil
}

// fileChunked sends chunks of opt.Chunked bytes, then the meta file.
func (q *Outbox) fileChunked(ctx context.Context, d Dest, in io.Reader, dst string, opt FileOptions) ([]Queued, error) {
	br := bufio.NewReaderSize(in, 1<<20)
	meta := packet.Meta{ChunkSize: uint64(opt.Chunked)}
	var out []Queued
	for i := 0; ; i++ {
		if _, err := br.Peek(1); err == io.EOF && i > 0 {
			break
		}
		if opt.MaxChunks > 0 && int64(i)+2 > int64(opt.MaxChunks) {
			// A stream of unknown size ran past the limit: take back what
			// it queued (no meta was sent, so nothing was announced).
			tooMany := &TooManyChunksError{Count: int64(i) + 2, AtLeast: true, Max: opt.MaxChunks}
			return nil, errors.Join(tooMany, q.unqueue(out))
		}
		m := packet.NewMTH()
		var n int64
		ph := packet.PlainHeader{Type: packet.TypeFile, Nice: opt.Nice, Path: []byte(dst + ".nncp.chunk" + strconv.Itoa(i))}
		r, err := q.sendTo(ctx, d, ph, func(w io.Writer) error {
			var err error
			n, err = io.CopyN(io.MultiWriter(w, m), br, opt.Chunked)
			if err == io.EOF {
				err = nil
			}
			return err
		}, opt.Options)
		if quotaFull(err) {
			// The quota filled midway (a stream, or another sender):
			// take back the chunks, which are no use without the rest.
			return nil, errors.Join(err, q.unqueue(out))
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
		meta.FileSize += uint64(n)
		meta.Checksums = append(meta.Checksums, m.Sum())
		if n < opt.Chunked {
			break
		}
	}
	body, err := meta.MarshalBinary()
	if err != nil {
		return out, fmt.Errorf("chunk meta: %w", err)
	}
	ph := packet.PlainHeader{Type: packet.TypeFile, Nice: opt.Nice, Path: []byte(dst + ".nncp.meta")}
	r, err := q.sendTo(ctx, d, ph, func(w io.Writer) error { _, err := w.Write(body); return err }, opt.Options)
	if quotaFull(err) {
		return nil, errors.Join(err, q.unqueue(out))
	}
	if err != nil {
		return out, err
	}
	return append(out, r), nil
}

// unqueue removes packets this send queued and no longer wants; one that
// a call already took is gone already, which is no error. What cannot be
// removed stays queued (ferry rm --tx removes it) and is reported.
func (q *Outbox) unqueue(qs []Queued) error {
	var errs []error
	for _, r := range qs {
		if err := q.Spool.Remove(r.Node, spool.TX, r.ID); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
