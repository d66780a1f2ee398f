package packet

import (
	"sync"

	lblake3 "lukechampine.com/blake3"
)

// A whole 128 KiB leaf, the bulk of any long MTH, is hashed with a
// second BLAKE3 implementation: lukechampine.com/blake3 compresses 16
// chunks at once with AVX-512 where the CPU has it, zeebo/blake3 8 with
// AVX2. On this project's AMD EPYC, keyed, 128 KiB: 5160-5330 MB/s
// against 3870-3900 MB/s on one core (one fourth less CPU per leaf).
// Short inputs stay with zeebo, which is faster below about 4 KiB (64 B:
// 89 against 111 ns) and hashes the nodes and the short last leaf: the
// result is BLAKE3 either way, and the MTH vectors hold both to it.
// v1.4 of lukechampine's starts goroutines inside each Write (and measured
// 2760 MB/s here): it must stay at v1.3.
var blockHashers = sync.Pool{New: func() any { return lblake3.New(32, mthLeafKey[:]) }}

// hashBlock sets id to the leaf hash of b, one whole block.
func hashBlock(h *lblake3.Hasher, b []byte, id *ID) {
	h.Reset()
	_, _ = h.Write(b) // never fails
	h.Sum(id[:0])
}
