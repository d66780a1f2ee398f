package packet

import (
	"hash"
	"sync"

	"github.com/zeebo/blake3"
	"golang.org/x/sys/cpu"
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
// 2760 MB/s here): it must stay at v1.3. Without AVX-512 it falls back
// to AVX2 at 2920-2950 MB/s, slower than zeebo's: such a CPU keeps zeebo.
var blockHashers = sync.Pool{New: func() any { return newBlockHasher(cpu.X86.HasAVX512F) }}

func newBlockHasher(avx512 bool) hash.Hash {
	if avx512 {
		return lblake3.New(32, mthLeafKey[:])
	}
	h, _ := blake3.NewKeyed(mthLeafKey[:])
	return h
}

// hashBlock sets id to the leaf hash of b, one whole block.
func hashBlock(h hash.Hash, b []byte, id *ID) {
	h.Reset()
	_, _ = h.Write(b) // never fails
	h.Sum(id[:0])
}
