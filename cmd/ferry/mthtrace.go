package main

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/zeebo/blake3"

	"github.com/ferry-dtn/ferry/packet"
)

// mthtrace computes the MTH step by step for `hash --debug` and
// `hash --force-fat`, printing the steps in nncp-hash -debug's layout
// ("Add|Fold <level> <index> <hash>"). packet.MTH computes the same
// root without keeping or reporting steps; this copy exists so the
// fast one stays free of tracing.
//
// Two orders, as NNCP has two implementations:
//   - sequential: leaves are added as read and equal neighbours folded
//     at once (a binary counter); at the end the pending right edge is
//     relabelled and folded upward;
//   - fat: every leaf first, then the tree level by level, an odd last
//     node carried up unchanged.

var (
	mthLeafKey = blake3.Sum256([]byte("NNCP MTH LEAF"))
	mthNodeKey = blake3.Sum256([]byte("NNCP MTH NODE"))
)

// mthStep is one line of the trace.
type mthStep struct {
	op    string // Add or Fold
	level int
	index int64
	hash  [32]byte
}

func (s mthStep) String() string {
	return fmt.Sprintf("%s\t%03d\t%06d\t%s", s.op, s.level, s.index, hex.EncodeToString(s.hash[:]))
}

func mthKeyed(key *[32]byte, parts ...[]byte) [32]byte {
	h, _ := blake3.NewKeyed(key[:])
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// mthLeaves hashes r in MTH blocks; an empty input is one empty leaf.
func mthLeaves(r io.Reader, leaf func([32]byte)) error {
	buf := make([]byte, packet.BlockSize)
	n := 0
	for {
		k, err := io.ReadFull(r, buf)
		if k > 0 || n == 0 && err == io.EOF {
			leaf(mthKeyed(&mthLeafKey, buf[:k]))
			n++
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// mthSequential traces the streaming order.
func mthSequential(r io.Reader, step func(mthStep)) ([32]byte, error) {
	var stack []mthStep
	var count int64
	fold := func() {
		for len(stack) >= 2 {
			l, rt := &stack[len(stack)-2], stack[len(stack)-1]
			if l.index%2 == 1 || l.level != rt.level {
				return
			}
			l.hash = mthKeyed(&mthNodeKey, l.hash[:], rt.hash[:])
			l.level++
			l.index /= 2
			l.op = "Fold"
			stack = stack[:len(stack)-1]
			step(*l)
		}
	}
	push := func(s mthStep) {
		stack = append(stack, s)
		step(s)
		fold()
	}
	err := mthLeaves(r, func(h [32]byte) {
		push(mthStep{"Add", 0, count, h})
		count++
	})
	if err != nil {
		return [32]byte{}, err
	}
	if count == 1 { // a lone leaf is paired with itself
		push(mthStep{"Add", 0, 1, stack[0].hash})
	}
	for len(stack) >= 2 {
		l := stack[len(stack)-2]
		last := &stack[len(stack)-1]
		last.op, last.level, last.index = "Add", l.level, l.index+1
		step(*last)
		fold()
	}
	return stack[0].hash, nil
}

// mthFat traces the level-by-level order.
func mthFat(r io.Reader, step func(mthStep)) ([32]byte, error) {
	var level [][32]byte
	err := mthLeaves(r, func(h [32]byte) {
		step(mthStep{"Add", 0, int64(len(level)), h})
		level = append(level, h)
	})
	if err != nil {
		return [32]byte{}, err
	}
	if len(level) == 1 {
		level = append(level, level[0])
		step(mthStep{"Add", 0, 1, level[0]})
	}
	for lvl := 1; len(level) > 1; lvl++ {
		var up [][32]byte
		for i := 0; i+1 < len(level); i += 2 {
			h := mthKeyed(&mthNodeKey, level[i][:], level[i+1][:])
			up = append(up, h)
			step(mthStep{"Fold", lvl, int64(len(up) - 1), h})
		}
		if len(level)%2 == 1 {
			up = append(up, level[len(level)-1])
			step(mthStep{"Add", lvl, int64(len(up) - 1), level[len(level)-1]})
		}
		level = up
	}
	return level[0], nil
}
