package fsio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// FileWriter writes a file that appears under its final name only once
// complete and synced, taking the first free name among name, name.0,
// name.1, ... without ever replacing an existing file.
type FileWriter struct {
	dir, base string
	f         *os.File
	noSync    bool
	n         int64
	bw        *BulkWriter
}

// tmpSeq tells apart the temporary names one process takes in the same
// nanosecond.
var tmpSeq atomic.Uint64

// NewFileWriter starts a file that will be named base in dir (created
// with mode 0777&^umask). The temporary name starts with ".ferry".
func NewFileWriter(dir, base string, umask uint32, noSync bool) (*FileWriter, error) {
	name := ".ferry" + strconv.FormatInt(time.Now().UnixNano(), 16) + "." + strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(tmpSeq.Add(1), 10)
	return newFileWriter(dir, base, name, umask, noSync, os.O_EXCL)
}

// NewKeyedFileWriter is NewFileWriter with a temporary name derived from
// key (a packet id), so that a run interrupted after the file was linked
// into place can tell, with Delivered, that it already was. The name is
// predictable, so a symbolic link planted there is refused, not written
// through.
func NewKeyedFileWriter(dir, base, key string, umask uint32, noSync bool) (*FileWriter, error) {
	return newFileWriter(dir, base, filepath.Base(DeliveryProof(dir, key)), umask, noSync, os.O_TRUNC|syscall.O_NOFOLLOW)
}

func newFileWriter(dir, base, tmpName string, umask uint32, noSync bool, flag int) (*FileWriter, error) {
	if err := os.MkdirAll(dir, os.FileMode(0o777&^umask)); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, tmpName), os.O_CREATE|os.O_WRONLY|flag, os.FileMode(0o666&^umask))
	if err != nil {
		return nil, err
	}
	return &FileWriter{dir: dir, base: base, f: f, noSync: noSync, bw: NewBulkWriter(f, 0, !noSync, nil)}, nil
}

// Delivered reports whether an earlier, interrupted run already linked
// the keyed temporary file into place, and under which name. The keyed
// temporary name is the proof of that delivery, so it is left in place:
// the caller removes it (DeliveryProof) only once the packet is gone, or
// a run interrupted again before then would deliver the file twice.
func Delivered(dir, base, key string) (string, bool) {
	// Lstat throughout: a symbolic link holds its name (the file went to
	// a later one) and is never the file itself, wherever it points.
	ti, err := os.Lstat(DeliveryProof(dir, key))
	if err != nil || !ti.Mode().IsRegular() {
		return "", false
	}
	for i := -1; i < 1<<20; i++ {
		name := base
		if i >= 0 {
			name += "." + strconv.Itoa(i)
		}
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			return "", false // names are taken in order: no gap, no later one
		}
		if os.SameFile(ti, fi) {
			return filepath.Join(dir, name), true
		}
	}
	return "", false
}

// DeliveryProof is the keyed temporary name that Delivered looks for:
// to be removed once what it proves no longer matters.
func DeliveryProof(dir, key string) string {
	return filepath.Join(dir, ".ferry."+key+".tmp")
}

func (w *FileWriter) Write(p []byte) (int, error) {
	n, err := w.bw.Write(p)
	w.n += int64(n)
	return n, err
}

// ReadFrom writes what r yields up to its end, reading straight into the
// bulk writer's chunks (BulkWriter.ReadFrom).
func (w *FileWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.bw.ReadFrom(r)
	w.n += n
	return n, err
}

// Abort removes the temporary file. Its error is the removal's: a
// temporary file left behind, which the caller should log.
func (w *FileWriter) Abort() error {
	w.bw.Abort()
	_ = w.f.Close() // its content is being thrown away
	return os.Remove(w.f.Name())
}

// Commit syncs the file and links it under the first free name; link(2)
// fails rather than replace, so concurrent writers never clobber each
// other. It returns the final path.
func (w *FileWriter) Commit() (string, error) {
	p, err := w.CommitKeeping()
	if rmErr := os.Remove(w.f.Name()); rmErr != nil && err == nil {
		// The file is in place, but its temporary name is left behind.
		return p, rmErr
	}
	return p, err
}

// TmpPath is the temporary file's path.
func (w *FileWriter) TmpPath() string { return w.f.Name() }

// CommitKeeping is Commit leaving the temporary name in place (a second
// hard link) for the caller to remove later.
func (w *FileWriter) CommitKeeping() (string, error) {
	if err := w.bw.Finish(); err != nil {
		_ = w.f.Close() // the write error is the one to report
		return "", err
	}
	if !w.noSync {
		if err := w.f.Sync(); err != nil {
			_ = w.f.Close() // the sync error is the one to report
			return "", err
		}
	}
	if err := w.f.Close(); err != nil {
		return "", err
	}
	for i := -1; i < 1<<20; i++ {
		name := w.base
		if i >= 0 {
			name += "." + strconv.Itoa(i)
		}
		p := filepath.Join(w.dir, name)
		err := os.Link(w.f.Name(), p)
		if err == nil {
			if !w.noSync {
				// The file is there under p, but not durably so.
				if err := SyncDir(w.dir); err != nil {
					return p, err
				}
			}
			return p, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: no free name", filepath.Join(w.dir, w.base))
}

// Size is the number of bytes written.
func (w *FileWriter) Size() int64 { return w.n }

var _ io.Writer = (*FileWriter)(nil)

// SyncDir makes the names made in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ParseDeliveryProof reports whether name is a keyed temporary name
// (DeliveryProof's), and the key it was made for.
func ParseDeliveryProof(name string) (key string, ok bool) {
	k, ok := strings.CutPrefix(name, ".ferry.")
	if !ok {
		return "", false
	}
	k, ok = strings.CutSuffix(k, ".tmp")
	return k, ok && k != ""
}

// IsWriterTemp reports whether name is a temporary name NewFileWriter
// takes: .ferry<hex time>.<pid>.<seq>. One left behind is a writer that
// died before its file was complete.
func IsWriterTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, ".ferry")
	if !ok {
		return false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 || strings.Trim(parts[0], "0123456789abcdef") != "" {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	return strings.Trim(parts[1]+parts[2], "0123456789") == ""
}
