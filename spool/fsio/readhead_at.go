package fsio

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ReadHeadAt reads the start of the file name in the directory dir, open
// as dirfd, into buf, and says how many bytes it read and how long the
// file is. A listing reads a million headers from one directory: opening
// each relative to the directory spares the kernel walking the spool's
// path again for each, and a buffer larger than the header reads a small
// packet whole, so that the read's end is the file's and no fstat is
// needed (a read of a regular file stops short only at its end).
func ReadHeadAt(dirfd int, dir, name string, buf []byte) (int, int64, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return 0, 0, &os.PathError{Op: "open", Path: filepath.Join(dir, name), Err: err}
	}
	defer func() { _ = unix.Close(fd) }() // read only
	var n int
	err = ignoringEINTR(func() (err error) {
		n, err = unix.Pread(fd, buf, 0)
		return err
	})
	if err != nil {
		return 0, 0, &os.PathError{Op: "read", Path: filepath.Join(dir, name), Err: err}
	}
	if n < len(buf) {
		return n, int64(n), nil
	}
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return 0, 0, &os.PathError{Op: "fstat", Path: filepath.Join(dir, name), Err: err}
	}
	return n, st.Size, nil
}
