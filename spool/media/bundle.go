package media

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"ferry/packet"
	"ferry/spool"
)

// BundleTx writes our outbound packets for nodes as one tar stream, in
// NNCP's layout: a directory entry NNCP, then NNCP/<recipient>/<sender>/
// <packet>, for each packet. Unlike NNCP 8.8.2 it ends the archive
// properly, so `tar -t` lists it; NNCP's reader accepts both. Packets are
// removed (unless Keep) only after the whole stream was written.
func BundleTx(w io.Writer, sp *spool.Spool, nodes []packet.ID, opt Options) (Stats, error) {
	opt.init()
	var st Stats
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	var sent []spool.Job
	for _, node := range nodes {
		if !opt.wanted(node) {
			continue
		}
		jobs, _, err := sp.Jobs(node, spool.TX)
		if err != nil {
			return st, err
		}
		for _, j := range jobs {
			if j.Nice > opt.Nice {
				continue
			}
			f, err := sp.Open(node, spool.TX, j.ID)
			if err != nil {
				continue // removed meanwhile
			}
			err = writeEntry(tw, sp.Self, j, f)
			f.Close()
			if err != nil {
				return st, fmt.Errorf("bundle: %w", err)
			}
			st.Packets++
			st.Bytes += j.Size
			sent = append(sent, j)
			opt.Log.Info("bundle: packet written", "who", "bundle-tx", "node", opt.Name(node), "pkt", j.ID.String(), "size", j.Size)
		}
	}
	if err := tw.Close(); err != nil {
		return st, fmt.Errorf("bundle: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("bundle: %w", err)
	}
	if !opt.Keep {
		for _, j := range sent {
			sp.Remove(j.Node, spool.TX, j.ID)
		}
	}
	return st, nil
}

func writeEntry(tw *tar.Writer, self packet.ID, j spool.Job, r io.Reader) error {
	epoch := time.Unix(0, 0)
	if err := tw.WriteHeader(&tar.Header{Name: "NNCP", Typeflag: tar.TypeDir, Mode: 0o700, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	hdr := &tar.Header{
		Name:     "NNCP/" + j.Node.String() + "/" + self.String() + "/" + j.ID.String(),
		Typeflag: tar.TypeReg, Mode: 0o400, Size: j.Size, ModTime: epoch, Format: tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := io.CopyN(tw, r, j.Size)
	return err
}

// RxOptions add bundle-reading choices.
type RxOptions struct {
	Options
	DryRun bool
	Delete bool // remove our own tx copies of packets that come back to us
}

// BundleRx reads a tar stream of packets into the spool. It scans for
// entries rather than trusting the archive's framing, so NNCP 8.8.2's
// missing end blocks and garbage around entries do no harm. Every packet
// is checked against its name before it enters the spool; a damaged or
// truncated one is reported and the rest still taken in.
func BundleRx(r io.Reader, sp *spool.Spool, opt RxOptions) (Stats, error) {
	opt.init()
	var st Stats
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		hdr, err := nextHeader(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, err
		}
		if hdr.typ == tar.TypeDir || hdr.size == 0 {
			continue
		}
		body := io.LimitReader(br, hdr.size)
		err = bundleEntry(sp, hdr, body, &opt, &st)
		// Skip whatever of the entry was not read, then the block padding.
		if _, cerr := io.Copy(io.Discard, body); cerr != nil && err == nil {
			err = cerr
		}
		br.Discard(int((512 - hdr.size%512) % 512))
		if err != nil {
			st.Failed++
			opt.Log.Error("bundle: packet not taken", "who", "bundle-rx", "path", hdr.name, "err", err)
		}
	}
	if st.Failed > 0 {
		return st, ErrSomeFailed
	}
	return st, nil
}

func bundleEntry(sp *spool.Spool, hdr entry, body io.Reader, opt *RxOptions, st *Stats) error {
	parts := strings.Split(hdr.name, "/")
	if len(parts) != 4 || parts[0] != "NNCP" || hdr.size < packet.EncHeaderSize {
		st.Skipped++
		return nil
	}
	rcpt, err1 := packet.ParseID(parts[1])
	sender, err2 := packet.ParseID(parts[2])
	id, err3 := packet.ParseID(parts[3])
	if err1 != nil || err2 != nil || err3 != nil {
		st.Skipped++
		return nil
	}
	if opt.Delete && sender == sp.Self {
		// Our own bundle echoed back: it proves the copy, drop ours.
		if got, _, err := packet.MTHOf(body); err == nil && got == id && !opt.DryRun {
			sp.Remove(rcpt, spool.TX, id)
		}
		return nil
	}
	if rcpt != sp.Self || !opt.Known(sender) || !opt.wanted(sender) ||
		sp.Has(sender, spool.RX, id) || sp.Seen(sender, id) {
		st.Skipped++
		return nil
	}
	br := bufio.NewReaderSize(body, packet.EncHeaderSize)
	head, err := br.Peek(packet.EncHeaderSize)
	if err != nil {
		return fmt.Errorf("%s: %w", id, packet.ErrTruncated)
	}
	h, err := packet.ParseEncHeader(head)
	if err != nil {
		st.Skipped++
		return nil
	}
	if h.Nice > opt.Nice {
		st.Skipped++
		return nil
	}
	if opt.DryRun {
		got, n, err := packet.MTHOf(br)
		if err == nil && (got != id || n != hdr.size) {
			err = spool.ErrHashMismatch
		}
		return err
	}
	tmp, err := sp.NewTmp()
	if err != nil {
		return err
	}
	n, err := io.Copy(tmp, br)
	if err != nil || n != hdr.size {
		tmp.Abort()
		return fmt.Errorf("%s: %w (%d of %d bytes)", id, packet.ErrTruncated, n, hdr.size)
	}
	if err := tmp.CommitAs(sender, spool.RX, id); err != nil {
		return err
	}
	st.Packets++
	st.Bytes += n
	opt.Log.Info("bundle: packet received", "who", "bundle-rx", "node", opt.Name(sender), "pkt", id.String(), "size", n)
	return nil
}

// entry is the part of a tar header we need.
type entry struct {
	name string
	typ  byte
	size int64
}

// nextHeader finds the next valid tar header in the stream, skipping
// anything that is not one (zero blocks, garbage) by searching for the
// "NNCP" that starts every name we write or accept.
func nextHeader(br *bufio.Reader) (entry, error) {
	for {
		blk, err := br.Peek(512)
		if len(blk) < 512 {
			if err == nil {
				err = io.EOF
			}
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return entry{}, io.EOF
			}
			return entry{}, err
		}
		if e, ok := parseHeader(blk); ok {
			br.Discard(512)
			return e, nil
		}
		i := bytes.Index(blk[1:], []byte("NNCP"))
		if i < 0 {
			br.Discard(509) // keep a possible split "NNCP" in view
			continue
		}
		br.Discard(i + 1)
	}
}

// parseHeader decodes a USTAR header block when its checksum holds and
// its name starts with NNCP.
func parseHeader(b []byte) (entry, bool) {
	if !bytes.HasPrefix(b, []byte("NNCP")) && !bytes.HasPrefix(b[345:], []byte("NNCP")) {
		return entry{}, false
	}
	sum, err := octal(b[148:156])
	if err != nil {
		return entry{}, false
	}
	var want int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		want += int64(c)
	}
	if want != sum {
		return entry{}, false
	}
	size, err := octal(b[124:136])
	if err != nil || size < 0 {
		return entry{}, false
	}
	name := cstr(b[0:100])
	if string(b[257:262]) == "ustar" {
		if p := cstr(b[345:500]); p != "" {
			name = p + "/" + name
		}
	}
	return entry{name: strings.TrimSuffix(name, "/"), typ: b[156], size: size}, true
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func octal(b []byte) (int64, error) {
	s := strings.TrimRight(strings.TrimLeft(cstr(b), " "), " \x00")
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 8, 64)
}
