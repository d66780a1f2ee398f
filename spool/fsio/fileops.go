package fsio

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// OpenFile is os.OpenFile for regular files, without the network poller.
// os.OpenFile tries to register every descriptor with epoll: for a
// regular file that is four fcntl calls and a refused epoll_ctl per open,
// as many system calls as receiving a small packet makes otherwise. The
// spool only opens regular files and directories, which never block in
// the poller's sense, so a plain descriptor (os.NewFile) does the same
// job. Names are not checked here: callers build them.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	fd, err := openFd(path, flag, perm)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

func openFd(path string, flag int, perm os.FileMode) (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(path, flag|unix.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// Rename is os.Rename without its Lstat of the target (it only refuses a
// directory there, which a packet name never is): one system call less
// per packet adopted.
func Rename(from, to string) error {
	if err := ignoringEINTR(func() error { return unix.Rename(from, to) }); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// Unlink removes a file: unlike os.Remove it does not retry as rmdir when
// the name is missing, so a missing file costs one system call.
func Unlink(path string) error {
	if err := ignoringEINTR(func() error { return unix.Unlink(path) }); err != nil {
		return &os.PathError{Op: "remove", Path: path, Err: err}
	}
	return nil
}

// ReadAt reads len(buf) bytes of the file at path from off, or up to its
// end: the sender's path for a packet that fits one message, without the
// stat and read-ahead a stream sets up.
func ReadAt(path string, buf []byte, off int64) (int, error) {
	fd, err := openFd(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer func() { _ = unix.Close(fd) }() // read only
	n := 0
	for n < len(buf) {
		var m int
		err := ignoringEINTR(func() (err error) {
			m, err = unix.Pread(fd, buf[n:], off+int64(n))
			return err
		})
		if err != nil {
			return n, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// ReadHead reads up to len(buf) bytes from the start of the file at path
// and says how long the file is: one open, fstat and pread, which is what
// listing a queue whose headers are not cached costs per packet.
func ReadHead(path string, buf []byte) (int, int64, error) {
	fd, err := openFd(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = unix.Close(fd) }() // read only
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return 0, 0, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	n := 0
	for n < len(buf) {
		var m int
		err := ignoringEINTR(func() (err error) {
			m, err = unix.Pread(fd, buf[n:], int64(n))
			return err
		})
		if err != nil {
			return n, st.Size, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, st.Size, nil
}

// ignoringEINTR retries f while a signal interrupts it.
func ignoringEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
