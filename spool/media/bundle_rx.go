package media

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// RxOptions add bundle-reading choices.
type RxOptions struct {
	Options
	DryRun bool
	Delete bool // remove our own tx copies of packets that come back to us
}

// BundleRx reads a tar stream of packets into the spool. It scans for
// entries rather than trusting the archive's framing, so NNCP 8.8.2's
// missing end blocks do no harm and a damaged stretch costs only the
// entries in it. Every entry gets a verdict and, unless it was taken, one
// log line saying why: entries outside NNCP's layout (absolute or ..
// paths, links, devices, FIFOs, stray directories), truncated entries and
// bytes that belong to no entry are refused; the packets beside them are
// still taken. Every packet is checked against its name before it enters
// the spool.
func BundleRx(r io.Reader, sp *spool.Spool, opt RxOptions) (Stats, error) {
	opt.init()
	rx := &bundleReader{s: &tarStream{br: bufio.NewReaderSize(r, 1<<20)}, sp: sp, opt: &opt}
	for {
		e, err := rx.s.next(rx.gap)
		if err == io.EOF {
			break
		}
		if err != nil {
			return rx.st, fmt.Errorf("read at byte %d: %w", rx.s.off, err)
		}
		if e.typ == 'L' && e.size <= maxLongName {
			// GNU tar's long name (NNCP/<recipient>/<sender>/<packet> is
			// 163 bytes) for the next header: taken as its name.
			name := make([]byte, e.size)
			n, err := io.ReadFull(rx.s, name)
			if err != nil {
				rx.report(e, refuse("stream ends %d bytes into a GNU long name of %d", n, e.size))
				break
			}
			rx.s.skipPadding(e.size)
			rx.long = cstr(name)
			continue
		}
		if (e.typ == 'x' || e.typ == 'g') && e.size <= maxPAX {
			if err := rx.pax(e); err != nil {
				return rx.st, fmt.Errorf("read at byte %d: %w", rx.s.off, err)
			}
			continue
		}
		if rx.long != "" {
			e.name, rx.long = rx.long, ""
		}
		if rx.next != nil {
			if p, ok := rx.next["path"]; ok {
				e.name = p
			}
			if p, ok := rx.next["linkpath"]; ok {
				e.link = p
			}
			if v, ok := rx.next["size"]; ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
					e.size = n
				}
			}
			rx.next = nil
		}
		if err := rx.entry(e); err != nil {
			return rx.st, fmt.Errorf("read at byte %d: %w", rx.s.off, err)
		}
	}
	if rx.long != "" {
		rx.report(tarEntry{name: rx.long, off: rx.s.off}, refuse("GNU long name with no entry after it"))
	}
	return rx.st, rx.st.Err()
}

// pax reads a pax extended header: an 'x' one applies to the next entry
// (its path, link and size, as tar tools that write pax mean them); a
// global 'g' one (git archive writes one with a commit id) is read and
// has no effect, as no global record matters to a bundle.
func (rx *bundleReader) pax(e tarEntry) error {
	data := make([]byte, e.size)
	n, err := io.ReadFull(rx.s, data)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		rx.report(e, refuse("stream ends %d bytes into a pax header of %d", n, e.size))
		return nil
	}
	if err != nil {
		return err
	}
	rx.s.skipPadding(e.size)
	recs, err := parsePAX(data)
	if err != nil {
		rx.report(e, refuse("%v", err))
		return nil
	}
	if e.typ == 'x' {
		rx.next = recs
	}
	return nil
}

// maxPAX bounds the pax headers read; larger ones are refused as junk.
const maxPAX = 64 << 10

// maxLongName bounds the GNU long names taken: a packet's path is 163 bytes.
const maxLongName = 4096

type bundleReader struct {
	s    *tarStream
	sp   *spool.Spool
	opt  *RxOptions
	st   Stats
	long string            // a GNU long name for the next entry
	next map[string]string // pax records for the next entry
}

// verdict is what became of one entry.
type verdict struct {
	kind   int // taken, skipped, refused, failed
	reason error
	node   packet.ID
	pkt    packet.ID
	size   int64
}

const (
	silent = iota - 1 // expected and uninteresting: NNCP's directory entries
	taken
	skipped
	refusedV
	failedV
	overQuotaV // left in the stream: it does not fit in the rx quota
)

func skip(format string, a ...any) verdict {
	return verdict{kind: skipped, reason: fmt.Errorf(format, a...)}
}

func refuse(format string, a ...any) verdict {
	return verdict{kind: refusedV, reason: fmt.Errorf(format, a...)}
}

func (rx *bundleReader) gap(g gap) {
	if !g.junk {
		return // zero blocks: the end of an archive, or its record padding
	}
	rx.st.Refused++
	rx.opt.Log.Error("bundle: data refused", "who", "bundle-rx", "offset", g.off, "size", g.n,
		"err", errors.New("not part of any tar entry (damaged stream or foreign data)"))
}

// entry judges one entry, consumes its data and padding, and reports it.
func (rx *bundleReader) entry(e tarEntry) error {
	size := e.dataSize()
	body := &countingReader{r: io.LimitReader(rx.s, size)}
	v := rx.judge(e, body)
	rest, err := rx.s.skip(size - body.n)
	if err != nil {
		return err
	}
	rx.s.skipPadding(size)
	if got := body.n + rest; got < size && v.kind != failedV {
		cut := fmt.Errorf("stream ends %d bytes into an entry that declares %d", got, size)
		if v.kind == refusedV {
			cut = fmt.Errorf("%w; %w", v.reason, cut)
		}
		v = verdict{kind: refusedV, reason: cut, node: v.node, pkt: v.pkt}
	}
	rx.report(e, v)
	return nil
}

func (rx *bundleReader) report(e tarEntry, v verdict) {
	log := rx.opt.Log
	attrs := []any{"who", "bundle-rx", "path", e.name, "offset", e.off}
	if !v.pkt.IsZero() {
		attrs = append(attrs, "node", rx.opt.Name(v.node), "pkt", v.pkt.String())
	}
	switch v.kind {
	case taken:
		rx.st.Packets++
		rx.st.Bytes += v.size
		log.Info("bundle: packet received", append(attrs, "size", v.size)...)
	case skipped:
		rx.st.Skipped++
		log.Info("bundle: entry skipped: "+v.reason.Error(), attrs...)
	case refusedV:
		rx.st.Refused++
		log.Error("bundle: entry refused", append(attrs, "err", v.reason)...)
	case failedV:
		rx.st.Failed++
		log.Error("bundle: packet not taken", append(attrs, "err", v.reason)...)
	case overQuotaV:
		rx.st.OverQuota++
		log.Warn("bundle: packet left in the stream: it does not fit in the rx quota", append(attrs, "err", v.reason)...)
	}
}

// judge decides what an entry is and, for a packet to take, takes it.
// Directory entries of NNCP's layout are expected and pass silently.
func (rx *bundleReader) judge(e tarEntry, body io.Reader) verdict {
	if e.typ == '5' {
		if layoutDir(e.name) {
			return verdict{kind: silent}
		}
		return refuse("directory entry outside NNCP/<recipient>/<sender>/")
	}
	if e.typ != '0' && e.typ != 0 && e.typ != '7' {
		what := entryKind(e.typ)
		if e.link != "" && (e.typ == '1' || e.typ == '2') {
			what += " to " + e.link
		}
		return refuse("%s; only regular files are taken", what)
	}
	rcpt, sender, id, err := layoutPacket(e.name)
	if err != nil {
		return refuse("%v", err)
	}
	v := rx.take(rcpt, sender, id, e.size, body)
	v.node, v.pkt = sender, id
	return v
}

// layoutDir reports NNCP, NNCP/<id> or NNCP/<id>/<id>, with or without a
// trailing slash.
func layoutDir(name string) bool {
	parts := strings.Split(strings.TrimSuffix(name, "/"), "/")
	if parts[0] != "NNCP" || len(parts) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if _, err := packet.ParseID(p); err != nil {
			return false
		}
	}
	return true
}

// layoutPacket parses NNCP/<recipient>/<sender>/<packet>.
func layoutPacket(name string) (rcpt, sender, id packet.ID, err error) {
	switch {
	case strings.HasPrefix(name, "/"):
		return rcpt, sender, id, errors.New("absolute path")
	case name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, "/../") || strings.HasSuffix(name, "/.."):
		return rcpt, sender, id, errors.New("path with .. components")
	}
	parts := strings.Split(name, "/")
	bad := errors.New("not in the NNCP/<recipient>/<sender>/<packet> layout")
	if len(parts) != 4 || parts[0] != "NNCP" {
		return rcpt, sender, id, bad
	}
	var e1, e2, e3 error
	rcpt, e1 = packet.ParseID(parts[1])
	sender, e2 = packet.ParseID(parts[2])
	id, e3 = packet.ParseID(parts[3])
	if e1 != nil || e2 != nil || e3 != nil {
		return rcpt, sender, id, bad
	}
	return rcpt, sender, id, nil
}

// take stores one packet entry of the NNCP layout, or says why not.
func (rx *bundleReader) take(rcpt, sender, id packet.ID, size int64, body io.Reader) verdict {
	sp, opt := rx.sp, rx.opt
	if opt.Delete && sender == sp.Self {
		// Our own bundle echoed back: it proves the copy, drop ours.
		got, _, err := packet.MTHOf(body)
		switch {
		case err != nil || got != id:
			return skip("our own packet, but its content does not match its name")
		case !opt.DryRun:
			if err := sp.Remove(rcpt, spool.TX, id); err != nil {
				return verdict{kind: failedV, node: rcpt, pkt: id, reason: fmt.Errorf("our own packet, but its queued copy could not be removed: %w", err)}
			}
		}
		return skip("our own packet: its queued copy is removed")
	}
	switch {
	case rcpt != sp.Self:
		return skip("addressed to another node")
	case !opt.wanted(sender):
		return skip("sender not among the nodes asked for")
	case !opt.Known(sender):
		return refuse("sender %s is not a configured neighbour", sender)
	case sp.Has(sender, spool.RX, id):
		return skip("already received")
	case sp.Seen(sender, id):
		return skip("already processed (seen)")
	case size < packet.EncHeaderSize:
		return verdict{kind: failedV, reason: fmt.Errorf("%d bytes: %w", size, packet.ErrShortHeader)}
	}
	br := bufio.NewReaderSize(body, packet.EncHeaderSize)
	head, err := br.Peek(packet.EncHeaderSize)
	if err != nil {
		return verdict{kind: failedV, reason: fmt.Errorf("%s: %w", id, packet.ErrTruncated)}
	}
	h, err := packet.ParseEncHeader(head)
	if err != nil {
		return verdict{kind: failedV, reason: err}
	}
	if h.Nice > opt.Nice {
		return skip("niceness %s above --nice", packet.NiceString(h.Nice))
	}
	if err := checkRxQuota(sp, &opt.Options, sender, size); err != nil {
		if overQuota(err) {
			return verdict{kind: overQuotaV, reason: err}
		}
		return verdict{kind: failedV, reason: err}
	}
	// The copy stops where the packet says it ends, not where the entry
	// does: a packet with gigabytes appended costs no more than itself.
	meter := opt.meter(sender, id, size)
	in := packet.NewBound(meter.Reader(br), opt.Me)
	var n int64
	if opt.DryRun {
		var got packet.ID
		got, n, err = packet.MTHOf(in)
		if err == nil && got != id {
			err = spool.ErrHashMismatch
		}
	} else {
		n, err = rx.store(in, sender, id)
	}
	if err == nil && n != size && !in.Ended() {
		err = fmt.Errorf("%w (%d of %d bytes)", packet.ErrTruncated, n, size)
	}
	if overQuota(err) { // others took the room since the check
		return verdict{kind: overQuotaV, reason: err}
	}
	if err != nil {
		return verdict{kind: failedV, reason: err}
	}
	meter.Finish()
	if opt.DryRun {
		if n < size {
			return refuse("%d bytes after the end of the packet it holds", size-n)
		}
		return skip("dry run: checked, not stored")
	}
	if n < size {
		// The packet ended before the entry: it is taken, the rest of the
		// entry (read and dropped by the caller) is refused.
		rx.report(tarEntry{name: "NNCP/" + rcpt.String() + "/" + sender.String() + "/" + id.String()},
			verdict{kind: taken, node: sender, pkt: id, size: n})
		return refuse("%d bytes after the end of the packet it holds", size-n)
	}
	return verdict{kind: taken, size: n}
}

// store copies a packet into the spool's rx queue of sender if it
// hashes to id.
func (rx *bundleReader) store(in io.Reader, sender, id packet.ID) (int64, error) {
	tmp, err := rx.sp.NewTmp()
	if err != nil {
		return 0, err
	}
	n, err := packet.Copy(tmp, in)
	if err != nil {
		return n, errors.Join(err, tmp.Abort())
	}
	return n, tmp.CommitAsWithin(sender, spool.RX, id, rx.opt.rxQuota(sender))
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
