package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
)

func runPkt(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--dump [--decompress]] [--overheads] < PACKET")
	dump := fs.Bool("dump", false, "write the decrypted plain packet (encrypted input) or the payload (plain input) to stdout")
	decompress := fs.Bool("decompress", false, "with --dump: zstd-decompress an exec body")
	overheads := fs.Bool("overheads", false, "print the fixed per-packet overheads and exit")
	if err := g.parse(args); err != nil {
		return err
	}
	if *overheads {
		fmt.Fprintf(g.Stdout, "Plain: %d\nEncrypted: %d\nSize: %d\n", packet.PlainHeaderSize, packet.EncHeaderSize, packet.SizeBlockLen)
		return nil
	}
	in := bufio.NewReaderSize(g.Stdin, 1<<20)
	head, err := in.Peek(8)
	if err != nil {
		return fmt.Errorf("pkt: read stdin: %w", errors.Join(err, errors.New("no packet")))
	}
	switch {
	case bytes.Equal(head, packet.MagicPlain[:]):
		return pktPlain(g.Stdout, in, *dump, *decompress)
	case bytes.HasPrefix(head, []byte("NNCPE")):
		return pktEncrypted(g, in, *dump, *decompress)
	}
	return fmt.Errorf("pkt: %w: %q", packet.ErrBadMagic, head)
}

func pktPlain(w *output, in io.Reader, dump, decompress bool) error {
	var hb [packet.PlainHeaderSize]byte
	if _, err := io.ReadFull(in, hb[:]); err != nil {
		return fmt.Errorf("pkt: plain header: %w", err)
	}
	h, err := packet.ParsePlainHeader(hb[:])
	if err != nil {
		return fmt.Errorf("pkt: plain header: %w", err)
	}
	if dump {
		return dumpPayload(in, h.Type, decompress, w)
	}
	fmt.Fprintf(w, "Packet type: plain\nPayload type: %s\nNiceness: %s (%d)\nPath: %s\n",
		h.Type, packet.NiceString(h.Nice), h.Nice, describePath(h))
	return nil
}

func pktEncrypted(g *globals, in io.Reader, dump, decompress bool) error {
	hb, err := in.(*bufio.Reader).Peek(packet.EncHeaderSize)
	if err != nil && !errors.Is(err, io.EOF) { // a short file is ParseEncHeader's to describe
		return fmt.Errorf("pkt: %w", err)
	}
	hdr, err := packet.ParseEncHeader(hb)
	if err != nil {
		return fmt.Errorf("pkt: %w", err)
	}
	c, cerr := g.config()
	name := func(id packet.ID) string {
		if c == nil || c.NodeName(id) == id.String() {
			return id.String()
		}
		return fmt.Sprintf("%s (%s)", id, c.NodeName(id))
	}
	if !dump {
		fmt.Fprintf(g.Stdout, "Packet type: encrypted\nNiceness: %s (%d)\nSender: %s\nRecipient: %s\n",
			packet.NiceString(hdr.Nice), hdr.Nice, name(hdr.Sender), name(hdr.Recipient))
	}
	if cerr != nil || c.Self == nil {
		if dump {
			if cerr == nil {
				cerr = cfg.ErrNoPrivateKeys
			}
			return fmt.Errorf("pkt: cannot decrypt: %w", cerr)
		}
		return nil
	}
	me := c.Self.Identity()
	if a, ok := c.AreaByID[hdr.Recipient]; ok && a.Identity() != nil {
		me = a.Identity()
	}
	if hdr.Recipient != me.ID {
		return nil // not ours to open: the header is all we can show
	}
	opt := packet.ReadOptions{}
	if a, ok := c.AreaByID[hdr.Recipient]; ok {
		opt.AllowUnknown = a.AllowUnknown
	}
	r, err := packet.NewReader(in, me, c.Lookup, opt)
	if err != nil {
		return fmt.Errorf("pkt: decrypt: %w", err)
	}
	if dump {
		out := bufio.NewWriterSize(g.Stdout, 1<<20)
		if !decompress {
			out.Write(r.RawPlain())
		}
		if err := dumpPayload(r, r.Plain().Type, decompress, out); err != nil {
			return err
		}
		return out.Flush()
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return fmt.Errorf("pkt: decrypt: %w", err)
	}
	p := r.Plain()
	fmt.Fprintf(g.Stdout, "Payload type: %s\nPayload niceness: %s (%d)\nPath: %s\nPayload size: %d\n",
		p.Type, packet.NiceString(p.Nice), p.Nice, describePlainPath(c, p), n)
	return nil
}

// describePath renders a plain path by type: NUL-separated exec args,
// ids for trns/area/ack.
func describePath(h packet.PlainHeader) string { return describePlainPath(nil, h) }

func describePlainPath(c *cfg.Config, h packet.PlainHeader) string {
	switch h.Type {
	case packet.TypeExec, packet.TypeExecFat:
		return fmt.Sprintf("%q", bytes.Split(h.Path, []byte{0}))
	case packet.TypeTrns, packet.TypeArea, packet.TypeACK:
		if len(h.Path) >= packet.IDLen {
			id := packet.ID(h.Path[:packet.IDLen])
			if c != nil {
				return fmt.Sprintf("%s (%s)", id, c.NodeName(id))
			}
			return id.String()
		}
	}
	return string(h.Path)
}

func dumpPayload(in io.Reader, t packet.Type, decompress bool, out io.Writer) error {
	if decompress && t == packet.TypeExec {
		z, err := packet.NewExecDecompressor(in)
		if err != nil {
			return fmt.Errorf("pkt: decompress: %w", err)
		}
		defer func() { _ = z.Close() }() // a decompressor: its Close only frees memory
		in = z
	}
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("pkt: %w", err)
	}
	return nil
}
