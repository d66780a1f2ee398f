package packet

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zeebo/blake3"
)

// ErrTooBig is returned when the plaintext grows beyond WriteOptions.MaxSize.
var ErrTooBig = errors.New("packet larger than allowed")

// WriteOptions shape one encrypted packet.
type WriteOptions struct {
	Nice     uint8
	MinSize  int64 // pad the finished packet (after Wrappers layers) to this many bytes
	Wrappers int   // encryption layers that will wrap this one, itself included; 0 means 1
	MaxSize  int64 // refuse plaintext (header + payload) beyond this; 0: no limit
}

// Writer encrypts one packet as a stream: the plain header, then whatever
// is written, sealed a block at a time into a fixed buffer.
//
//	header(172) | Seal(K_full, blk0) | ... | Seal(K_size, SIZE‖tail‖ipad) | opad
type Writer struct {
	w      io.Writer
	keys   *packetKeys
	ad     [32]byte
	n      nonce
	buf    []byte // plaintext of the block being filled; room for SIZE and tag
	fill   int
	blocks int64 // full blocks handed to sealing so far

	batch  sealBatch // full blocks sealed in parallel (see write_batch.go)
	total  int64     // plaintext bytes so far, plain header included
	opt    WriteOptions
	hdr    EncHeader
	closed bool
	err    error
}

// NewWriter writes the encrypted header for a packet from `from` to `to`
// and returns a Writer for its payload. Close finishes the packet.
func NewWriter(w io.Writer, from *Identity, to Peer, plain PlainHeader, opt WriteOptions) (*Writer, error) {
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ephemeral key: %w", err)
	}
	return newWriter(w, from, to, plain, opt, eph)
}

// newWriter is NewWriter with the ephemeral key given, so that tests can
// write one packet twice and compare the bytes.
func newWriter(w io.Writer, from *Identity, to Peer, plain PlainHeader, opt WriteOptions, eph *ecdh.PrivateKey) (*Writer, error) {
	rcpt, err := ecdh.X25519().NewPublicKey(to.ExchPub[:])
	if err != nil {
		return nil, fmt.Errorf("recipient %s exchpub: %w", to.ID, err)
	}
	shared, err := eph.ECDH(rcpt)
	if err != nil {
		return nil, fmt.Errorf("key agreement with %s: %w", to.ID, err)
	}
	keys, err := deriveKeys(shared)
	if err != nil {
		return nil, err
	}
	pw := &Writer{
		w: w, keys: keys, opt: opt,
		buf: make([]byte, BlockSize+SizeBlockLen+TagSize),
	}
	pw.hdr = EncHeader{Nice: opt.Nice, Sender: from.ID, Recipient: to.ID}
	copy(pw.hdr.ExchPub[:], eph.PublicKey().Bytes())
	tbs := pw.hdr.TBS()
	copy(pw.hdr.Sign[:], sign(from.SignPrv, tbs))
	pw.ad = blake3.Sum256(tbs)
	if _, err := w.Write(pw.hdr.Append(make([]byte, 0, EncHeaderSize))); err != nil {
		return nil, err
	}
	ph, err := plain.Append(pw.buf[:0])
	if err != nil {
		return nil, err
	}
	pw.fill = len(ph)
	pw.total = int64(len(ph))
	return pw, nil
}

// Header returns the encrypted header that was written.
func (pw *Writer) Header() EncHeader { return pw.hdr }

// Write encrypts p. A full block is sealed as soon as it is complete, or,
// once the packet is long, as soon as a batch of them is.
func (pw *Writer) Write(p []byte) (int, error) {
	if pw.err != nil {
		return 0, pw.err
	}
	if pw.closed {
		return 0, errors.New("write to a closed packet")
	}
	if pw.opt.MaxSize > 0 && pw.total+int64(len(p)) > pw.opt.MaxSize {
		pw.err = ErrTooBig
		return 0, pw.err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(pw.buf[pw.fill:BlockSize], p)
		pw.fill += k
		pw.total += int64(k)
		p = p[k:]
		if pw.fill == BlockSize {
			if err := pw.fullBlock(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// ReadFrom encrypts what r yields up to its end, as Write would, but
// reads straight into the block being filled: a bulk copy into the packet
// makes one copy of each byte fewer (r's buffer to the block). A read
// error is returned as it is, and the packet can still be written to or
// closed; like Write, it fails with ErrTooBig once r yields more than
// MaxSize allows, having taken no byte past it.
func (pw *Writer) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var probe [1]byte
	for {
		if pw.err != nil {
			return n, pw.err
		}
		if pw.closed {
			return n, errors.New("write to a closed packet")
		}
		room := pw.buf[pw.fill:BlockSize]
		if pw.opt.MaxSize > 0 {
			left := pw.opt.MaxSize - pw.total
			if left <= 0 { // full: one byte more is too big, the end is fine
				k, err := r.Read(probe[:])
				if k > 0 {
					pw.err = ErrTooBig
					continue
				}
				if err == io.EOF {
					return n, nil
				}
				if err != nil {
					return n, err
				}
				continue
			}
			if left < int64(len(room)) {
				room = room[:left]
			}
		}
		k, err := r.Read(room)
		pw.fill += k
		pw.total += int64(k)
		n += int64(k)
		if pw.fill == BlockSize {
			if ferr := pw.fullBlock(); ferr != nil {
				return n, ferr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// seal encrypts buf[:n] in place and writes it.
func (pw *Writer) seal(k interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
}, n int) error {
	ct := k.Seal(pw.buf[:0], pw.n[:], pw.buf[:n], pw.ad[:])
	pw.n.inc()
	if _, err := pw.w.Write(ct); err != nil {
		pw.err = err
		return err
	}
	return nil
}

// Close writes the SIZE block, the inner padding and the outer padding.
// It does not close the underlying writer.
func (pw *Writer) Close() error {
	if pw.err != nil {
		return pw.err
	}
	if pw.closed {
		return nil
	}
	pw.closed = true
	if err := pw.flushBatch(); err != nil {
		return err
	}
	pad := PadFor(pw.total-PlainHeaderSize, pw.opt.MinSize, pw.opt.Wrappers)
	r := pw.fill
	var size [SizeBlockLen]byte
	binary.BigEndian.PutUint64(size[:8], uint64(pw.total))
	binary.BigEndian.PutUint64(size[8:], uint64(pad))

	var last int // length of the final block's plaintext before ipad
	lastKey := pw.keys.size
	if r+SizeBlockLen <= BlockSize {
		copy(pw.buf[SizeBlockLen:], pw.buf[:r])
		copy(pw.buf, size[:])
		last = r + SizeBlockLen
	} else {
		// The tail does not fit beside SIZE: a full SIZE block takes its
		// head, one more K_full block its last k bytes.
		k := r + SizeBlockLen - BlockSize
		tail := make([]byte, k)
		copy(tail, pw.buf[r-k:r])
		copy(pw.buf[SizeBlockLen:], pw.buf[:r-k])
		copy(pw.buf, size[:])
		if err := pw.seal(pw.keys.size, BlockSize); err != nil {
			return err
		}
		copy(pw.buf, tail)
		last, lastKey = k, pw.keys.full
	}
	ipad := min(pad, int64(BlockSize-last))
	clear(pw.buf[last : last+int(ipad)])
	if err := pw.seal(lastKey, last+int(ipad)); err != nil {
		return err
	}
	if opad := pad - ipad; opad > 0 {
		if _, err := io.CopyN(pw.w, padStream(pw.keys.pad), opad); err != nil {
			pw.err = err
			return err
		}
	}
	return nil
}
