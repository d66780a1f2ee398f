package packet

import (
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/chacha20"
)

// Bound reads one packet addressed to us from a stream that may hold
// more than the packet (a file on a medium, a tar entry), and stops at
// the packet's end. The clear header declares no size; the SIZE block
// does, and it is found cheaply: each block's first 16 bytes are peeked
// through K_size's keystream, and only a block whose peeked sizes are
// consistent with its position is authenticated. The first block is
// always authenticated, so what is not a packet at all fails at once
// instead of after copying all of it.
//
// Bound does not verify the packet (the MTH against its name does that,
// and toss decrypts it): it only bounds how much is read.
//
//	header | K_full blocks (peeked only) | SIZE block (authenticated) | tail | opad | <- stop
type Bound struct {
	r       io.Reader
	me      *Identity
	keys    *packetKeys // nil: not ours or not parseable; pass everything through
	ad      [32]byte
	n       nonce
	block   int
	got     int64 // plaintext bytes before the current block
	buf     []byte
	pending []byte
	left    int64 // bytes of the packet still to read once its end is known; -1 before
	read    int64 // bytes handed out
	started bool
	err     error
}

// NewBound returns a Bound over r, which must start at the packet's
// header. me may be nil: then nothing is bounded.
func NewBound(r io.Reader, me *Identity) *Bound {
	return &Bound{r: r, me: me, left: -1}
}

// End reports the packet's total size once its SIZE block was found.
func (b *Bound) End() (int64, bool) {
	if b.left < 0 {
		return 0, false
	}
	return b.read + int64(len(b.pending)) + b.left, true
}

// Ended reports whether the packet's end was found and reached.
func (b *Bound) Ended() bool { return b.left == 0 && len(b.pending) == 0 }

// Read hands out the packet's bytes. A read of a whole block or more,
// between two blocks, has the block read straight into p and looked at
// there: a medium's packet copied into the spool (xfer in) is then copied
// once, from the stream's chunk into the spool writer's, not also through
// the block buffer.
func (b *Bound) Read(p []byte) (int, error) {
	if len(b.pending) == 0 && b.err == nil && b.started && len(p) >= len(b.buf) {
		if n := b.fillInto(p); n > 0 {
			return n, nil
		}
	}
	for len(b.pending) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	b.read += int64(n)
	return n, nil
}

// fillInto is fill with p[:len(b.buf)] standing in for the block
// buffer: what fill leaves pending is then p's first bytes, handed out
// at once. (Every fill after the header's leaves pending as a prefix of
// the buffer.)
func (b *Bound) fillInto(p []byte) int {
	own := b.buf
	b.buf = p[:len(own)]
	b.fill()
	b.buf = own
	n := len(b.pending)
	b.pending = nil
	b.read += int64(n)
	return n
}

func (b *Bound) fill() {
	if !b.started {
		b.started = true
		b.header()
		return
	}
	switch {
	case b.left == 0:
		b.err = io.EOF
	case b.left > 0:
		n, err := io.ReadFull(b.r, b.buf[:min(b.left, int64(len(b.buf)))])
		b.pending, b.left = b.buf[:n], b.left-int64(n)
		if err != nil {
			b.err = eof(err)
		}
	case b.keys == nil:
		n, err := b.r.Read(b.buf)
		b.pending = b.buf[:n]
		if err != nil {
			b.err = err
		}
	default:
		b.nextBlock()
	}
}

func eof(err error) error {
	if err == io.ErrUnexpectedEOF {
		return io.EOF
	}
	return err
}

// header reads the clear header and, for a packet to us, derives the keys.
func (b *Bound) header() {
	b.buf = make([]byte, BlockSize+TagSize)
	n, err := io.ReadFull(b.r, b.buf[:EncHeaderSize])
	b.pending = b.buf[:n]
	if err != nil {
		b.err = eof(err)
		return
	}
	h, err := ParseEncHeader(b.pending)
	if err != nil || b.me == nil || h.Recipient != b.me.ID {
		return
	}
	prv, err1 := exchKey(&b.me.ExchPrv)
	eph, err2 := ecdh.X25519().NewPublicKey(h.ExchPub[:])
	if err1 != nil || err2 != nil {
		return
	}
	shared, err := prv.ECDH(eph)
	if err != nil {
		return
	}
	if b.keys, err = deriveKeys(shared); err != nil {
		b.keys = nil
		return
	}
	b.ad = blake3.Sum256(b.pending[:TBSSize])
	// The header is handed out from its own copy: buf is reused for blocks.
	b.pending = append([]byte(nil), b.pending...)
}

// nextBlock reads one ciphertext block and decides whether it is the
// SIZE block; once it is, the rest of the packet's length is known.
func (b *Bound) nextBlock() {
	n, err := io.ReadFull(b.r, b.buf)
	c := b.buf[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		b.pending, b.err = c, err
		return
	}
	if n == 0 {
		b.err = io.EOF
		return
	}
	idx := b.block
	b.block++
	if blkLen, rest, ok := b.sizeBlock(c); ok {
		// c[blkLen:] may already hold the tail, the padding and beyond.
		keep := min(int64(n), int64(blkLen)+rest)
		b.pending = c[:keep]
		b.left = int64(blkLen) + rest - keep
		return
	}
	if idx == 0 && n == len(b.buf) && !b.opens(c) {
		// A full first block that opens with neither key: not a packet.
		// (A short one is a cut packet; what follows is only its end.)
		b.pending, b.err = nil, fmt.Errorf("%w: block 0 opens with neither key", ErrBlockAuth)
		return
	}
	b.pending = c
	b.got += BlockSize
	b.n.inc()
	if n < len(b.buf) {
		b.err = io.EOF // cut short: the hash check will say so
	}
}

// opens authenticates a full block with K_full.
func (b *Bound) opens(c []byte) bool {
	_, err := b.keys.full.Open(make([]byte, 0, BlockSize), b.n[:], c, b.ad[:])
	return err == nil
}

// sizeBlock reports whether c starts with the SIZE block; if so, its
// length and how many bytes follow it (tail block and outer padding).
func (b *Bound) sizeBlock(c []byte) (blkLen int, rest int64, ok bool) {
	if len(c) < SizeBlockLen+TagSize {
		return 0, 0, false
	}
	s, err := chacha20.NewUnauthenticatedCipher(b.keys.sizeKey[:], b.n[:])
	if err != nil {
		return 0, 0, false
	}
	s.SetCounter(1)
	var f [SizeBlockLen]byte
	s.XORKeyStream(f[:], c[:SizeBlockLen])
	want, pad := int64(binary.BigEndian.Uint64(f[:8])), int64(binary.BigEndian.Uint64(f[8:]))
	r := want - b.got
	if want < PlainHeaderSize || want > 1<<62 || pad < 0 || pad > 1<<62 || r < 0 || r > 2*BlockSize-SizeBlockLen {
		return 0, 0, false
	}
	var ipad, tail int64
	if r+SizeBlockLen <= BlockSize {
		ipad = min(pad, BlockSize-SizeBlockLen-r)
		blkLen = int(SizeBlockLen+r+ipad) + TagSize
	} else {
		blkLen = BlockSize + TagSize
		r2 := r - (BlockSize - SizeBlockLen)
		ipad = min(pad, BlockSize-r2)
		tail = r2 + ipad + TagSize
	}
	if blkLen > len(c) {
		return 0, 0, false
	}
	if _, err := b.keys.size.Open(make([]byte, 0, BlockSize), b.n[:], c[:blkLen], b.ad[:]); err != nil {
		return 0, 0, false
	}
	return blkLen, tail + pad - ipad, true
}
