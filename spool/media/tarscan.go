package media

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// tarStream reads a tar stream block by block, keeping the offset of
// what it consumed so junk can be reported by where it is. It finds each
// header where the previous entry ended and, after anything that is not a
// header, resynchronises on the "NNCP" that starts every name we write or
// accept (NNCP's reader does the same; it is what lets a damaged stream
// still yield the packets after the damage).
type tarStream struct {
	br  *bufio.Reader
	off int64
}

// gap is a run of bytes between entries that belongs to no entry.
type gap struct {
	off, n int64
	junk   bool // not only zero bytes (zero blocks end a tar archive)
}

// tarEntry is the part of a tar header we need.
type tarEntry struct {
	off  int64 // of the header block
	name string
	link string
	typ  byte
	size int64 // declared size of the data
}

// dataSize is how many bytes of data follow the header. Links,
// directories, devices and FIFOs carry none whatever their size field
// says, as in POSIX and Go's archive/tar.
func (e tarEntry) dataSize() int64 {
	switch e.typ {
	case '1', '2', '3', '4', '5', '6':
		return 0
	}
	return e.size
}

func (s *tarStream) discard(n int) int {
	k, _ := s.br.Discard(n)
	s.off += int64(k)
	return k
}

func (s *tarStream) Read(p []byte) (int, error) {
	n, err := s.br.Read(p)
	s.off += int64(n)
	return n, err
}

// next returns the next header, calling onGap for the bytes skipped to
// reach it. At the end of the stream it returns io.EOF.
func (s *tarStream) next(onGap func(gap)) (tarEntry, error) {
	g := gap{off: s.off}
	flush := func() {
		if g.n > 0 {
			onGap(g)
		}
	}
	for {
		blk, err := s.br.Peek(512)
		if len(blk) < 512 {
			if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
				flush()
				return tarEntry{}, err
			}
			// The end: what is left is too short for a header.
			g.n += int64(len(blk))
			g.junk = g.junk || !allZero(blk)
			s.discard(len(blk))
			flush()
			return tarEntry{}, io.EOF
		}
		if e, ok := parseHeader(blk); ok {
			flush()
			e.off = s.off
			s.discard(512)
			return e, nil
		}
		if allZero(blk) {
			g.n += int64(s.discard(512))
			continue
		}
		win, _ := s.br.Peek(scanWindow)
		k := resync(win)
		g.junk = g.junk || !allZero(win[:k])
		g.n += int64(s.discard(k))
	}
}

// scanWindow is how much of the stream resync looks at in one go.
const scanWindow = 64 << 10

// resync returns the offset in win (past 0, which is known not to be a
// header) of the first header found by an "NNCP" in its name: at the
// block's start, or at the USTAR prefix field (offset 345), where a long
// NNCP/<recipient>/<sender> lands. Without one it returns how far to skip
// while keeping in view every block start it could not check.
func resync(win []byte) int {
	for off := 1; off < len(win); {
		i := bytes.Index(win[off:], []byte("NNCP"))
		if i < 0 {
			break
		}
		q := off + i
		for _, h := range []int{q - 345, q} {
			if h >= 1 && h+512 <= len(win) {
				if _, ok := parseHeader(win[h : h+512]); ok {
					return h
				}
			}
		}
		off = q + 1
	}
	return max(1, len(win)-511)
}

// skip discards n bytes, reporting how many there were.
func (s *tarStream) skip(n int64) (int64, error) {
	k, err := io.CopyN(io.Discard, s, n)
	if err == io.EOF {
		err = nil
	}
	return k, err
}

// skipPadding discards the zero bytes that round an entry's data up to a
// whole block; a stream may end without them (NNCP 8.8.2's does).
func (s *tarStream) skipPadding(size int64) {
	s.discard(int((512 - size%512) % 512))
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseHeader decodes a tar header block (USTAR or the older layout)
// whose checksum holds. The name is whatever the block says, junk
// included: classifying it is the caller's job.
func parseHeader(b []byte) (tarEntry, bool) {
	sum, err := octal(b[148:156])
	if err != nil || allZero(b[148:156]) {
		return tarEntry{}, false
	}
	var want, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		want += int64(c)
		signed += int64(int8(c))
	}
	if want != sum && signed != sum {
		return tarEntry{}, false
	}
	size, err := octal(b[124:136])
	if err != nil || size < 0 {
		return tarEntry{}, false
	}
	name := cstr(b[0:100])
	if string(b[257:262]) == "ustar" {
		if p := cstr(b[345:500]); p != "" {
			name = p + "/" + name
		}
	}
	return tarEntry{name: name, link: cstr(b[157:257]), typ: b[156], size: size}, true
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func octal(b []byte) (int64, error) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		// GNU base-256, how tar writes sizes of 8 GiB and more.
		if b[0]&0x40 != 0 || len(b) > 9 && !allZero(append([]byte{b[0] & 0x7f}, b[1:len(b)-8]...)) {
			return 0, fmt.Errorf("base-256 number out of range")
		}
		var v uint64
		for _, c := range b[max(1, len(b)-8):] {
			v = v<<8 | uint64(c)
		}
		if len(b) <= 8 {
			v |= uint64(b[0]&0x7f) << (8 * (len(b) - 1))
		}
		if v > 1<<62 {
			return 0, fmt.Errorf("base-256 number out of range")
		}
		return int64(v), nil
	}
	s := strings.TrimRight(strings.TrimLeft(cstr(b), " "), " \x00")
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 8, 64)
}

// entryKind names what a tar entry type is, for log lines.
func entryKind(typ byte) string {
	switch typ {
	case '0', 0, '7':
		return "regular file"
	case '1':
		return "hard link"
	case '2':
		return "symbolic link"
	case '3':
		return "character device"
	case '4':
		return "block device"
	case '5':
		return "directory"
	case '6':
		return "FIFO"
	case 'x', 'g':
		return "pax extended header"
	case 'L', 'K':
		return "GNU long name header"
	}
	return fmt.Sprintf("entry of type %q", typ)
}

// parsePAX decodes pax extended header records, "<len> <key>=<value>\n".
func parsePAX(b []byte) (map[string]string, error) {
	recs := map[string]string{}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 || sp > 20 {
			return nil, fmt.Errorf("pax record without a length")
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+1 || n > len(b) || b[n-1] != '\n' {
			return nil, fmt.Errorf("pax record of bad length")
		}
		kv := b[sp+1 : n-1]
		eq := bytes.IndexByte(kv, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("pax record without a key")
		}
		recs[string(kv[:eq])] = string(kv[eq+1:])
		b = b[n:]
	}
	return recs, nil
}
