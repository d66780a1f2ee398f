package fsio

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The chunks that bulk I/O reads and writes with O_DIRECT live in
// transparent huge pages, outside the Go heap. An O_DIRECT request
// carries the buffer's physical pages as they are: a heap buffer is made
// of scattered 4 KiB pages, and a virtio disk takes at most max_segments
// (254 here) of them per request, so a 1 MiB chunk left as two requests
// (1016 KiB and 8 KiB) and a 4 MiB one as five. A 4 MiB chunk in huge
// pages is two 2 MiB segments: one request (max_sectors_kb is 4096). On
// this project's virtual machine, writing 1 GiB with O_DIRECT went from
// 2261 requests of 464 KiB on average (189 MiB/s) to 261 of 4018 KiB
// (387 MiB/s), back to back in one minute; an xfer in of 1 GiB (the
// medium read, the spool written, at once) from 5.2-9.5 s to 3.9-4.1 s.
//
// Where the kernel has no huge pages for us (THP off, memory
// fragmented), the mapping is of ordinary pages and works as a heap
// buffer did. Where mmap itself fails, the chunk comes from the heap.
const hugePage = 2 << 20

// keptChunks is how many idle chunks stay mapped for the next file: a
// run copying many packets one after the other reuses them instead of
// mapping and zeroing fresh ones, and a daemon keeps at most this many
// (32 MiB) once the transfers that needed more are over.
const keptChunks = 8

var chunks struct {
	mu     sync.Mutex
	free   [][]byte           // idle chunks, each empty with capacity directChunk
	mapped map[*byte]struct{} // first bytes of the chunks that are mappings of their own
	out    int                // chunks given out and not back (tests look)
	maps   int                // chunks mapped so far (tests look)
}

// getChunk returns an empty chunk of capacity directChunk, its first byte
// at a directAlign boundary, as O_DIRECT requires.
func getChunk() []byte {
	chunks.mu.Lock()
	if n := len(chunks.free); n > 0 {
		b := chunks.free[n-1]
		chunks.free[n-1] = nil
		chunks.free = chunks.free[:n-1]
		chunks.out++
		chunks.mu.Unlock()
		return b
	}
	chunks.mu.Unlock()
	b := mapChunk()
	chunks.mu.Lock()
	defer chunks.mu.Unlock()
	chunks.out++
	if b == nil {
		return alignedChunk()
	}
	chunks.maps++
	if chunks.mapped == nil {
		chunks.mapped = make(map[*byte]struct{})
	}
	chunks.mapped[&b[:1][0]] = struct{}{}
	return b
}

// putChunk gives b, from getChunk (resliced from its start at most) and
// no longer used, back.
func putChunk(b []byte) {
	if cap(b) != directChunk {
		return // not a chunk: left to the collector
	}
	b = b[:0]
	first := &b[:1][0]
	chunks.mu.Lock()
	chunks.out--
	if len(chunks.free) < keptChunks {
		chunks.free = append(chunks.free, b)
		chunks.mu.Unlock()
		return
	}
	_, mapped := chunks.mapped[first]
	delete(chunks.mapped, first)
	chunks.mu.Unlock()
	if mapped {
		_ = unix.MunmapPtr(unsafe.Pointer(first), directChunk) // our own mapping: cannot fail
	}
}

// mapChunk maps a chunk of its own, aligned on a huge page and advised
// to use huge pages; nil if mmap fails.
func mapChunk() []byte {
	const size = directChunk + hugePage // room to align the start
	p, err := unix.MmapPtr(-1, 0, nil, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	head := (hugePage - uintptr(p)%hugePage) % hugePage
	if head > 0 {
		_ = unix.MunmapPtr(p, head) // the slack before the aligned start
	}
	if tail := size - head - directChunk; tail > 0 {
		_ = unix.MunmapPtr(unsafe.Add(p, head+directChunk), tail) // and after the end
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, head)), directChunk)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: without it, ordinary pages
	return b[:0]
}

// alignedChunk returns an empty heap slice of capacity directChunk whose
// first byte sits at a directAlign boundary.
func alignedChunk() []byte {
	b := make([]byte, directChunk+directAlign)
	addr := int64(uintptr(unsafe.Pointer(&b[0])))
	a := int(alignUp(addr) - addr)
	return b[a : a : a+directChunk]
}

// ChunkSize is the length of the chunks bulk I/O reads and writes with
// O_DIRECT: one disk request each.
const ChunkSize = directChunk

// Chunk returns a chunk of ChunkSize bytes, aligned for O_DIRECT and in
// huge pages where the kernel offers them, as bulk I/O uses; give it back
// with ReleaseChunk. It is exported for internal/diskprobe, which measures
// the disk's limits for `make bench` with the very buffers ferry writes
// and reads with (a disk that splits scattered pages into several
// requests, as virtio does, is slower with any other buffer).
func Chunk() []byte { return getChunk()[:directChunk] }

// ReleaseChunk gives back b, from Chunk and no longer used.
func ReleaseChunk(b []byte) { putChunk(b) }
