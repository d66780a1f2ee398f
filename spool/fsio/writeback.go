package fsio

import (
	"os"
	"syscall"
)

// writebackEvery is how often a long write asks the kernel to start
// writing back what it has so far. Left alone, the kernel waits until a
// tenth of RAM is dirty and the final fsync stalls on gigabytes; a
// non-blocking sync_file_range keeps that fsync short without waiting.
const writebackEvery = 32 << 20

// writeback tracks how much of a file was handed to the kernel.
type writeback struct {
	f    *os.File
	done int64
}

// advance starts writeback of everything written up to n, when enough
// accumulated. Errors are ignored: it is only a hint, fsync still follows.
func (w *writeback) advance(n int64) {
	if n-w.done < writebackEvery {
		return
	}
	_ = syscall.SyncFileRange(int(w.f.Fd()), w.done, n-w.done, 2 /* SYNC_FILE_RANGE_WRITE */)
	w.done = n
}
