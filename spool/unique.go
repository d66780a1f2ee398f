package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
}

// NewFileWriter starts a file that will be named base in dir (created
// with mode 0777&^umask). The temporary name starts with ".ferry".
func NewFileWriter(dir, base string, umask uint32, noSync bool) (*FileWriter, error) {
	if err := os.MkdirAll(dir, os.FileMode(0o777&^umask)); err != nil {
		return nil, err
	}
	name := ".ferry" + strconv.FormatInt(time.Now().UnixNano(), 16) + "." + strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(tmpSeq.Add(1), 10)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, os.FileMode(0o666&^umask))
	if err != nil {
		return nil, err
	}
	return &FileWriter{dir: dir, base: base, f: f, noSync: noSync}, nil
}

func (w *FileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	return n, err
}

// Abort removes the temporary file.
func (w *FileWriter) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// Commit syncs the file and links it under the first free name; link(2)
// fails rather than replace, so concurrent writers never clobber each
// other. It returns the final path.
func (w *FileWriter) Commit() (string, error) {
	defer os.Remove(w.f.Name())
	if !w.noSync {
		if err := w.f.Sync(); err != nil {
			w.f.Close()
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
				if d, err := os.Open(w.dir); err == nil {
					d.Sync()
					d.Close()
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
