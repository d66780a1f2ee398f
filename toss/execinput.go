package toss

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// execInMem bounds an exec body kept in memory for its handler's stdin;
// a longer one goes to a scratch file of the spool, as every body did
// before. At most ferry-exec-jobs of them are held at once (a body is
// dropped by toss once its handler was started, and by the handler when
// it ends), so memory stays flat however many packets there are.
//
// Creating and removing a scratch file per packet was, with the output
// file, the largest single cost of tossing small exec packets: ext4's
// inode allocator slows down with every inode freed in the last minute
// (see testdata/bench.sh, "Creating a file"), and a toss frees one per
// packet. A memfd costs no inode of the spool's file system and nothing
// to clean up after a crash.
const execInMem = 1 << 20

// execInput collects an exec body: in memory up to execInMem, then in a
// scratch file of the spool.
type execInput struct {
	t   *Tosser
	o   *origin
	mem []byte
	f   *os.File // the scratch file once the body outgrew mem, or the memfd
	fd  bool     // f is a memfd: nothing to remove
}

// ReadFrom reads r to its end into the body.
func (in *execInput) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for in.f == nil {
		if len(in.mem) == cap(in.mem) {
			if len(in.mem) >= execInMem {
				// Full: spill only if there is more.
				var one [1]byte
				if _, err := io.ReadFull(r, one[:]); err != nil {
					if err == io.EOF {
						return n, nil
					}
					return n, err
				}
				if err := in.spill(); err != nil {
					return n, err
				}
				if _, err := in.f.Write(one[:]); err != nil {
					return n, err
				}
				n++
				break
			}
			grown := make([]byte, len(in.mem), min(max(2*cap(in.mem), 4<<10), execInMem))
			copy(grown, in.mem)
			in.mem = grown
		}
		m, err := r.Read(in.mem[len(in.mem):cap(in.mem)])
		in.mem = in.mem[:len(in.mem)+m]
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	m, err := io.Copy(in.f, r)
	return n + m, err
}

// Write appends p to the body.
func (in *execInput) Write(p []byte) (int, error) {
	if in.f == nil && len(in.mem)+len(p) <= execInMem {
		in.mem = append(in.mem, p...)
		return len(p), nil
	}
	if in.f == nil {
		if err := in.spill(); err != nil {
			return 0, err
		}
	}
	return in.f.Write(p)
}

// spill moves the body to a scratch file of the spool.
func (in *execInput) spill() error {
	f, err := in.t.sp.CreateTemp("ferryexecin")
	if err != nil {
		return err
	}
	in.f = f
	if _, err := f.Write(in.mem); err != nil {
		return err
	}
	in.mem = nil
	return nil
}

// file is the whole body as a file read from its start: the scratch
// file, or a memfd holding what was kept in memory (a scratch file where
// memfd_create is missing).
func (in *execInput) file() (*os.File, error) {
	if in.f == nil {
		fd, err := unix.MemfdCreate("ferry-exec-in", unix.MFD_CLOEXEC)
		if err != nil {
			if err := in.spill(); err != nil {
				return nil, err
			}
		} else {
			in.f, in.fd = os.NewFile(uintptr(fd), "memfd:ferry-exec-in"), true
			if _, err := in.f.Write(in.mem); err != nil {
				return nil, err
			}
			in.mem = nil
		}
	}
	if _, err := in.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return in.f, nil
}

// drop lets go of the body (a handler started with it has its own
// descriptor).
func (in *execInput) drop() {
	switch {
	case in.f == nil:
	case in.fd:
		_ = in.f.Close() // in memory: nothing was written to keep
	default:
		in.t.dropScratch(in.o, in.f)
	}
	in.f, in.mem = nil, nil
}
