package spool

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
	for {
		fd, err := unix.Open(path, flag|unix.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), path), nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
}

// rename is os.Rename without its Lstat of the target (it only refuses a
// directory there, which a packet name never is): one system call less
// per packet adopted.
func rename(from, to string) error {
	for {
		err := unix.Rename(from, to)
		if err == nil {
			return nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
}

// unlink removes a file: unlike os.Remove it does not retry as rmdir when
// the name is missing, so a missing file costs one system call.
func unlink(path string) error {
	for {
		err := unix.Unlink(path)
		if err == nil {
			return nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return &os.PathError{Op: "remove", Path: path, Err: err}
	}
}

// ReadAt reads len(buf) bytes of the file at path from off, or up to its
// end: the sender's path for a packet that fits one message, without the
// stat and read-ahead a stream sets up.
func ReadAt(path string, buf []byte, off int64) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for errors.Is(err, unix.EINTR) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	return readFullAt(fd, path, buf, off)
}

func readFullAt(fd int, path string, buf []byte, off int64) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(fd, buf[n:], off+int64(n))
		if errors.Is(err, unix.EINTR) {
			continue
		}
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
