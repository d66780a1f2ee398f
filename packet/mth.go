package packet

import (
	"errors"
	"hash"
	"io"
	"sync"

	"github.com/zeebo/blake3"
)

// MTH is NNCP's Merkle tree hash: keyed BLAKE3 leaves over 128 KiB blocks,
// paired left to right, an odd last node promoted unchanged, a lone leaf
// paired with itself. It names packets and checks chunks.
//
// Nodes are folded as a binary counter (one pending hash per level), so
// memory stays constant whatever the input size.
type MTH struct {
	leaf, node *blake3.Hasher
	block      hash.Hash // whole leaves (mth_block.go)
	buf        []byte    // partial block
	levels     []*ID     // pending subtree root per level, nil where empty
	nleaves    int64

	// Resume: the stream started at skip bytes into the input; leaves
	// before startLeaf come later through Prepend.
	skip      int64
	startLeaf int64
	saved     []ID // leaves hashed before the prefix was known
	resumed   bool

	par  bool     // hash batches of leaves on two goroutines (see mth_parallel.go)
	jobs *leafJob // the batch being hashed, allocated on first use
}

var (
	mthLeafKey = blake3.Sum256([]byte("NNCP MTH LEAF"))
	mthNodeKey = blake3.Sum256([]byte("NNCP MTH NODE"))
)

// ErrMTHPrefix is returned when Prepend cannot read the skipped prefix.
var ErrMTHPrefix = errors.New("mth: prefix shorter than the resume offset")

// A keyed BLAKE3 hasher is about 10 KiB: an MTH borrows its two from
// these pools and gives them back at Sum, so a daemon receiving thousands
// of small packets does not allocate 20 KiB for each (it was four fifths
// of everything such a daemon allocated).
var (
	leafHashers = sync.Pool{New: func() any { h, _ := blake3.NewKeyed(mthLeafKey[:]); return h }}
	nodeHashers = sync.Pool{New: func() any { h, _ := blake3.NewKeyed(mthNodeKey[:]); return h }}
)

// NewMTH returns a hasher for a stream that starts at offset 0.
func NewMTH() *MTH {
	// buf grows as needed and the BLAKE3 states are borrowed on first use:
	// a small packet's hasher allocates little.
	return &MTH{}
}

// NewMTHAt returns a hasher for a stream that starts at offset bytes into
// the input, as when an online transfer resumes a .part file. Bytes up to
// the next block boundary are ignored; Prepend must then supply the input
// from offset 0 before Sum.
func NewMTHAt(offset int64) *MTH {
	m := NewMTH()
	if offset > 0 {
		m.startLeaf = (offset + BlockSize - 1) / BlockSize
		m.skip = m.startLeaf*BlockSize - offset
		m.resumed = true
	}
	return m
}

// Write hashes p. It never fails.
func (m *MTH) Write(p []byte) (int, error) {
	n := len(p)
	if m.skip > 0 {
		k := int64(len(p))
		if k > m.skip {
			k = m.skip
		}
		m.skip -= k
		p = p[k:]
	}
	if m.par {
		m.writeBatched(p)
		return n, nil
	}
	if len(m.buf) > 0 {
		k := min(len(p), BlockSize-len(m.buf))
		m.buf = append(m.buf, p[:k]...)
		p = p[k:]
		if len(m.buf) == BlockSize && len(p) > 0 {
			m.addLeaf(m.buf)
			m.buf = m.buf[:0]
		}
	}
	// Whole blocks straight from p, keeping the last one back: a final
	// block is only known to be final at Sum.
	for len(p) > BlockSize {
		m.addLeaf(p[:BlockSize])
		p = p[BlockSize:]
	}
	if len(p) > 0 {
		if len(m.buf) == BlockSize {
			m.addLeaf(m.buf)
			m.buf = m.buf[:0]
		}
		m.buf = append(m.buf, p...)
	}
	return n, nil
}

func (m *MTH) leafHash(b []byte) ID {
	if len(b) == BlockSize {
		var id ID
		hashBlock(m.blockHasher(), b, &id)
		return id
	}
	if m.leaf == nil {
		m.leaf = leafHashers.Get().(*blake3.Hasher)
	}
	m.leaf.Reset()
	m.leaf.Write(b)
	var id ID
	m.leaf.Sum(id[:0])
	return id
}

func (m *MTH) blockHasher() hash.Hash {
	if m.block == nil {
		m.block = blockHashers.Get().(hash.Hash)
	}
	return m.block
}

func (m *MTH) addLeaf(b []byte) { m.addLeafID(m.leafHash(b)) }

// addLeafID takes the hash of the next leaf in order.
func (m *MTH) addLeafID(h ID) {
	if m.resumed {
		m.saved = append(m.saved, h)
		return
	}
	m.push(h)
}

func (m *MTH) nodeHash(l, r *ID) ID {
	if m.node == nil {
		m.node = nodeHashers.Get().(*blake3.Hasher)
	}
	m.node.Reset()
	m.node.Write(l[:])
	m.node.Write(r[:])
	var id ID
	m.node.Sum(id[:0])
	return id
}

// push adds a leaf to the binary counter, merging full pairs upward.
func (m *MTH) push(h ID) {
	m.nleaves++
	cur := h
	for lvl := 0; ; lvl++ {
		if lvl == len(m.levels) {
			m.levels = append(m.levels, nil)
		}
		if m.levels[lvl] == nil {
			c := cur
			m.levels[lvl] = &c
			return
		}
		cur = m.nodeHash(m.levels[lvl], &cur)
		m.levels[lvl] = nil
	}
}

// Prepend feeds the input from offset 0 up to the resume point. It reads
// exactly the blocks skipped by NewMTHAt and no more.
func (m *MTH) Prepend(r io.Reader) error {
	if !m.resumed {
		return nil
	}
	saved, tail := m.saved, m.buf
	m.resumed, m.saved = false, nil
	block := make([]byte, BlockSize)
	for i := int64(0); i < m.startLeaf; i++ {
		n, err := io.ReadFull(r, block)
		if err == io.ErrUnexpectedEOF && i == m.startLeaf-1 && len(saved) == 0 && len(tail) == 0 {
			// The whole input is shorter than the boundary: its last
			// (short) block is the final leaf, handled by Sum.
			m.buf = append(m.buf[:0], block[:n]...)
			return nil
		}
		if err != nil {
			return ErrMTHPrefix
		}
		if i == m.startLeaf-1 && len(saved) == 0 && len(tail) == 0 {
			m.buf = append(m.buf[:0], block...)
			return nil
		}
		m.push(m.leafHash(block))
	}
	for _, h := range saved {
		m.push(h)
	}
	return nil
}

// Sum returns the root. The hasher must not be written to afterwards.
func (m *MTH) Sum() ID {
	defer m.release()
	if m.resumed && m.startLeaf > 0 {
		// Prepend was never called: the result would be wrong, so make
		// it loudly wrong rather than subtly.
		return ID{}
	}
	if m.par {
		m.flushWhole()
	}
	if len(m.buf) > 0 || m.nleaves == 0 {
		m.push(m.leafHash(m.buf))
		m.buf = m.buf[:0]
	}
	if m.nleaves == 1 {
		return m.nodeHash(m.levels[0], m.levels[0])
	}
	var acc *ID
	for _, p := range m.levels {
		if p == nil {
			continue
		}
		if acc == nil {
			c := *p
			acc = &c
			continue
		}
		h := m.nodeHash(p, acc)
		acc = &h
	}
	return *acc
}

// release gives the BLAKE3 states back to their pools.
func (m *MTH) release() {
	if m.leaf != nil {
		leafHashers.Put(m.leaf)
		m.leaf = nil
	}
	if m.block != nil {
		blockHashers.Put(m.block)
		m.block = nil
	}
	if m.node != nil {
		nodeHashers.Put(m.node)
		m.node = nil
	}
}

// MTHOf hashes everything r yields, on both cores when it is long.
func MTHOf(r io.Reader) (ID, int64, error) {
	m := NewMTH().Parallel()
	n, err := m.ReadFrom(r)
	if err != nil {
		return ID{}, n, err
	}
	return m.Sum(), n, nil
}
