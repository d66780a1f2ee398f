package packet

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/chacha20"
)

// Decryption errors, distinct so that callers and logs can tell a
// misaddressed packet from a forged or damaged one.
var (
	ErrWrongRecipient = errors.New("packet is for another recipient")
	ErrUnknownSender  = errors.New("unknown sender")
	ErrBadSignature   = errors.New("header signature is invalid")
	ErrBlockAuth      = errors.New("block authentication failed")
	ErrBadSize        = errors.New("invalid SIZE block")
	ErrTruncated      = errors.New("packet truncated")
	ErrTrailingData   = errors.New("trailing data after the packet")
	ErrBadPadding     = errors.New("invalid padding")
)

// ReadOptions adjust verification.
type ReadOptions struct {
	// AllowUnknown accepts a sender the lookup does not know, without
	// verifying its signature (areas with allow-unknown).
	AllowUnknown bool
}

// Reader decrypts one packet as a stream and yields its payload. What it
// yields is authenticated block by block, but the packet as a whole is
// only proven intact when Read returns io.EOF: write to a temporary place
// and commit only then.
type Reader struct {
	r      io.Reader
	hdr    EncHeader
	sender Peer
	known  bool
	keys   *packetKeys
	ad     [32]byte
	n      nonce
	block  int // index of the next block, for error messages

	ct       []byte
	pt       []byte // decryption target: a failed Open zeroes it, so never in place
	pending  []byte // decrypted payload not yet handed out
	rawPlain []byte
	plain    PlainHeader

	sizeSeen bool
	want     int64 // len(P) from the SIZE block
	got      int64 // plaintext bytes of P decrypted so far
	pad      int64
	err      error

	batch batch // blocks opened in parallel (see read_batch.go)
}

// NewReader reads and checks the 172-byte header, decrypts the first
// block and parses the plain header. lookup finds the sender's keys.
func NewReader(r io.Reader, me *Identity, lookup func(ID) (Peer, bool), opt ReadOptions) (*Reader, error) {
	var hb [EncHeaderSize]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("header: %w", ErrTruncated)
		}
		return nil, err
	}
	hdr, err := ParseEncHeader(hb[:])
	if err != nil {
		return nil, err
	}
	// Block buffers start small and grow to a whole block at the first
	// block that fills them: a small packet (an exec, an ACK) does not
	// allocate, clear and collect 256 KiB.
	pr := &Reader{r: r, hdr: hdr, ct: make([]byte, smallBlockBuf), pt: make([]byte, smallBlockBuf-TagSize)}
	if hdr.Recipient != me.ID {
		return nil, fmt.Errorf("%w: %s", ErrWrongRecipient, hdr.Recipient)
	}
	pr.sender, pr.known = lookup(hdr.Sender)
	tbs := hb[:TBSSize]
	switch {
	case pr.known && len(pr.sender.SignPub) == ed25519.PublicKeySize:
		if !ed25519.Verify(pr.sender.SignPub, tbs, hdr.Sign[:]) {
			return nil, ErrBadSignature
		}
	case !opt.AllowUnknown:
		return nil, fmt.Errorf("%w: %s", ErrUnknownSender, hdr.Sender)
	}
	prv, err := exchKey(&me.ExchPrv)
	if err != nil {
		return nil, err
	}
	eph, err := ecdh.X25519().NewPublicKey(hdr.ExchPub[:])
	if err != nil {
		return nil, fmt.Errorf("%w: bad ephemeral key", ErrBlockAuth)
	}
	shared, err := prv.ECDH(eph)
	if err != nil {
		return nil, fmt.Errorf("%w: low-order ephemeral key", ErrBlockAuth)
	}
	if pr.keys, err = deriveKeys(shared); err != nil {
		return nil, err
	}
	pr.ad = blake3.Sum256(tbs)
	// The plain header always lies within the first decrypted block.
	for len(pr.pending) < PlainHeaderSize && pr.err == nil {
		pr.next()
	}
	if len(pr.pending) < PlainHeaderSize {
		if pr.err == nil || pr.err == io.EOF {
			return nil, fmt.Errorf("%w: shorter than the plain header", ErrBadSize)
		}
		return nil, pr.err
	}
	pr.rawPlain = append([]byte(nil), pr.pending[:PlainHeaderSize]...)
	if pr.plain, err = ParsePlainHeader(pr.rawPlain); err != nil {
		return nil, fmt.Errorf("plain header: %w", err)
	}
	pr.pending = pr.pending[PlainHeaderSize:]
	return pr, nil
}

// Header is the encrypted header.
func (pr *Reader) Header() EncHeader { return pr.hdr }

// Sender is the sender's keys as the lookup gave them, and whether it knew them.
func (pr *Reader) Sender() (Peer, bool) { return pr.sender, pr.known }

// Plain is the decoded plain header.
func (pr *Reader) Plain() PlainHeader { return pr.plain }

// RawPlain is the 276-byte plain header exactly as decrypted.
func (pr *Reader) RawPlain() []byte { return pr.rawPlain }

// Read yields payload bytes; io.EOF means the whole packet checked out.
// A p of a block or more may be decrypted into directly (readInto).
func (pr *Reader) Read(p []byte) (int, error) {
	if pr.batchedInto(p) {
		if n := pr.readInto(p); n > 0 {
			return n, nil
		}
	}
	for len(pr.pending) == 0 {
		if pr.err != nil {
			return 0, pr.err
		}
		pr.next()
	}
	n := copy(p, pr.pending)
	pr.pending = pr.pending[n:]
	return n, nil
}

// readBlock reads up to one ciphertext block: a whole one (as long as
// pr.ct, grown to a block if it was smaller), or a shorter one at the end.
func (pr *Reader) readBlock() ([]byte, error) {
	n, err := io.ReadFull(pr.r, pr.ct)
	if err == nil && len(pr.ct) < BlockSize+TagSize {
		// The small buffer filled up: the block may go on.
		pr.grow(BlockSize + TagSize)
		var m int
		m, err = io.ReadFull(pr.r, pr.ct[n:])
		n += m
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return pr.ct[:n], err
}

// smallBlockBuf is the ciphertext buffer a Reader starts with.
const smallBlockBuf = 4 << 10

// grow makes the block buffers hold n ciphertext bytes, keeping what ct
// holds.
func (pr *Reader) grow(n int) {
	if len(pr.ct) >= n {
		return
	}
	ct := make([]byte, n)
	copy(ct, pr.ct)
	pr.ct, pr.pt = ct, make([]byte, n-TagSize)
}

func (pr *Reader) fail(err error) { pr.err = err }

// next decrypts one more block into pending, or sets err (io.EOF at the
// verified end).
func (pr *Reader) next() {
	if !pr.sizeSeen && !pr.batch.off && pr.block >= openParallelAfter && pr.nextBatched() {
		return
	}
	idx := pr.block
	pr.block++
	if !pr.sizeSeen {
		c, err := pr.readBlock()
		if err != nil {
			pr.fail(err)
			return
		}
		if len(c) == len(pr.ct) {
			if pt, err := pr.keys.full.Open(pr.pt[:0], pr.n[:], c, pr.ad[:]); err == nil {
				pr.n.inc()
				pr.got += int64(len(pt))
				pr.pending = pt
				return
			}
		}
		pr.openSize(c, idx)
		return
	}
	// After the SIZE block at most one short block remains, and its length
	// is known, so read exactly that much: anything after is trailing data.
	want := pr.tailBlockLen(pr.want - pr.got)
	pr.grow(want)
	c := pr.ct[:want]
	if n, err := io.ReadFull(pr.r, c); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			pr.fail(fmt.Errorf("%w: block %d has %d of %d bytes", ErrTruncated, idx, n, want))
			return
		}
		pr.fail(err)
		return
	}
	pt, err := pr.keys.full.Open(pr.pt[:0], pr.n[:], c, pr.ad[:])
	if err != nil {
		pr.fail(fmt.Errorf("%w: block %d", ErrBlockAuth, idx))
		return
	}
	pr.n.inc()
	pr.take(pt)
}

// tailBlockLen is the ciphertext length of a final block holding r data
// bytes followed by as much inner padding as fits.
func (pr *Reader) tailBlockLen(r int64) int {
	ipad := min(pr.pad, BlockSize-r)
	return int(r + ipad + TagSize)
}

// peekSize reads the SIZE fields of block c before authenticating it, by
// applying the ChaCha20 keystream directly (the AEAD's payload starts at
// block counter 1). It only decides how long the block must be; the
// AEAD check that follows is what makes the values trusted.
func (pr *Reader) peekSize(c []byte) (want, pad int64) {
	s, err := chacha20.NewUnauthenticatedCipher(pr.keys.sizeKey[:], pr.n[:])
	if err != nil {
		return -1, -1
	}
	s.SetCounter(1)
	var b [SizeBlockLen]byte
	s.XORKeyStream(b[:], c[:SizeBlockLen])
	return int64(binary.BigEndian.Uint64(b[:8])), int64(binary.BigEndian.Uint64(b[8:]))
}

// openSize handles the block that failed (or could not be) a K_full
// block: it must be the SIZE block.
func (pr *Reader) openSize(c []byte, idx int) {
	if len(c) < TagSize+SizeBlockLen {
		pr.fail(fmt.Errorf("%w: block %d missing", ErrTruncated, idx))
		return
	}
	want, pad := pr.peekSize(c)
	if want < pr.got || want < PlainHeaderSize || want > 1<<62 || pad < 0 || pad > 1<<62 {
		// Garbage SIZE fields: let the AEAD say so.
		want, pad = -1, -1
	}
	blkLen := len(c)
	if want >= 0 {
		pr.pad = pad
		if r := want - pr.got; r+SizeBlockLen <= BlockSize {
			blkLen = int(SizeBlockLen+r+min(pad, BlockSize-SizeBlockLen-r)) + TagSize
		} else {
			blkLen = BlockSize + TagSize
		}
		if blkLen > len(c) {
			if _, err := pr.keys.size.Open(pr.pt[:0], pr.n[:], c, pr.ad[:]); err != nil {
				pr.fail(fmt.Errorf("%w: block %d has %d of %d bytes", ErrTruncated, idx, len(c), blkLen))
				return
			}
			blkLen = len(c)
		}
	}
	if extra := c[blkLen:]; len(extra) > 0 {
		pr.r = io.MultiReader(bytes.NewReader(bytes.Clone(extra)), pr.r)
	}
	pt, err := pr.keys.size.Open(pr.pt[:0], pr.n[:], c[:blkLen], pr.ad[:])
	if err != nil {
		pr.fail(fmt.Errorf("%w: block %d", ErrBlockAuth, idx))
		return
	}
	pr.n.inc()
	pr.sizeSeen = true
	pr.want = int64(binary.BigEndian.Uint64(pt[:8]))
	pr.pad = int64(binary.BigEndian.Uint64(pt[8:16]))
	if pr.want < pr.got || pr.want < PlainHeaderSize || pr.want > 1<<62 || pr.pad < 0 || pr.pad > 1<<62 {
		pr.fail(fmt.Errorf("%w: payload %d, pad %d", ErrBadSize, pr.want, pr.pad))
		return
	}
	pr.take(pt[SizeBlockLen:])
}

// take accepts decrypted bytes after the SIZE block was seen: the part
// up to the declared length is data, the rest must be inner padding.
func (pr *Reader) take(d []byte) {
	left := pr.want - pr.got
	if int64(len(d)) < left {
		pr.got += int64(len(d))
		pr.pending = d
		if len(d) == 0 {
			pr.fail(fmt.Errorf("%w: data ends before its declared size", ErrTruncated))
		}
		return
	}
	pr.pending = d[:left]
	pr.got += left
	pr.finish(d[left:])
}

// finish checks the inner and outer padding and that nothing follows.
func (pr *Reader) finish(ipad []byte) {
	for _, b := range ipad {
		if b != 0 {
			pr.fail(fmt.Errorf("%w: non-zero inner pad byte", ErrBadPadding))
			return
		}
	}
	if int64(len(ipad)) > pr.pad {
		pr.fail(fmt.Errorf("%w: more inner padding than declared", ErrBadPadding))
		return
	}
	opad := pr.pad - int64(len(ipad))
	if opad > 0 {
		xof := padStream(pr.keys.pad)
		want := make([]byte, min(opad, 64<<10))
		got := make([]byte, len(want))
		for opad > 0 {
			k := min(opad, int64(len(want)))
			if _, err := io.ReadFull(pr.r, got[:k]); err != nil {
				pr.fail(fmt.Errorf("%w: outer padding cut short", ErrTruncated))
				return
			}
			xof.Read(want[:k])
			if subtle.ConstantTimeCompare(got[:k], want[:k]) != 1 {
				pr.fail(fmt.Errorf("%w: wrong outer pad value", ErrBadPadding))
				return
			}
			opad -= k
		}
	}
	// Past the verified end only whether more follows matters: a read
	// error there says nothing about the packet.
	var one [1]byte
	if n, _ := io.ReadFull(pr.r, one[:]); n > 0 {
		pr.fail(ErrTrailingData)
		return
	}
	pr.err = io.EOF
}

// Drain reads the rest of the payload into w, returning nil only if the
// packet verified completely.
func (pr *Reader) Drain(w io.Writer) (int64, error) {
	n, err := io.Copy(w, pr)
	return n, err
}
