package spool_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func TestWrapPathSaysThePathOnce(t *testing.T) {
	const p = "/spool/NODE/rx/ID.part"
	enospc := &fs.PathError{Op: "write", Path: p, Err: syscall.ENOSPC}
	cases := []struct {
		op   string
		err  error
		want string
	}{
		{"write", enospc, "write /spool/NODE/rx/ID.part: no space left on device"},
		{"file", enospc, "file: write /spool/NODE/rx/ID.part: no space left on device"},
		{"file", spool.WrapPath("file", p, enospc), "file: write /spool/NODE/rx/ID.part: no space left on device"},
		{"", enospc, "write /spool/NODE/rx/ID.part: no space left on device"},
		{"write", errors.New("short write"), "write /spool/NODE/rx/ID.part: short write"},
		{"", errors.New("bad magic"), "/spool/NODE/rx/ID.part: bad magic"},
	}
	for _, c := range cases {
		err := spool.WrapPath(c.op, p, c.err)
		if err.Error() != c.want || !errors.Is(err, c.err) {
			t.Errorf("WrapPath(%q, %v) = %q, want %q", c.op, c.err, err, c.want)
		}
	}
	if spool.WrapPath("x", p, nil) != nil {
		t.Error("nil error wrapped")
	}
}

// A lock file that cannot be opened (here a directory sits at its name)
// is reported with its path once.
func TestLockErrorSaysThePathOnce(t *testing.T) {
	dir := t.TempDir()
	var self packet.ID
	self[0] = 1
	sp, err := spool.Open(dir, self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var node packet.ID
	node[0] = 2
	lock := filepath.Join(sp.NodeDir(node), "tx.lock")
	if err := os.MkdirAll(lock, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = sp.Lock(node, spool.LockTx)
	if err == nil {
		t.Fatal("locked through a directory")
	}
	if n := strings.Count(err.Error(), lock); n != 1 {
		t.Errorf("%q names the lock file %d times", err, n)
	}
}
