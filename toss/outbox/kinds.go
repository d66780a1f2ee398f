package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// Dest is where a packet goes: a node, or an area.
type Dest struct {
	Node *cfg.Node
	Area *cfg.Area
}

func (q *Outbox) sendTo(ctx context.Context, d Dest, ph packet.PlainHeader, produce func(io.Writer) error, opt Options) (Queued, error) {
	if d.Area != nil {
		return q.SendArea(ctx, d.Area, ph, produce, opt)
	}
	return q.Send(ctx, d.Node, ph, produce, opt)
}

// copyFrom copies r into the packet: read straight into its blocks where
// the writer is the packet's (fill's ctxWriter), through a buffer else.
func copyFrom(r io.Reader) func(io.Writer) error {
	return func(w io.Writer) error {
		if cw, ok := w.(ctxWriter); ok {
			_, err := cw.ReadFrom(r)
			return err
		}
		_, err := packet.Copy(w, r)
		return err
	}
}

// Exec queues a command for handle on the destination, with body as its
// standard input: zstd-compressed (type exec) unless noCompress (exec-fat).
// replyNice is what the handler sees as NNCP_NICE.
func (q *Outbox) Exec(ctx context.Context, d Dest, handle string, args []string, body io.Reader, noCompress bool, replyNice uint8, opt Options) (Queued, error) {
	path := []byte(handle)
	for _, a := range args {
		path = append(append(path, 0), a...)
	}
	if len(path) > packet.MaxPathLen {
		return Queued{}, fmt.Errorf("exec: handle and arguments exceed %d bytes", packet.MaxPathLen)
	}
	ph := packet.PlainHeader{Type: packet.TypeExec, Nice: replyNice, Path: path}
	produce := func(w io.Writer) error {
		z, err := packet.NewExecCompressor(w)
		if err != nil {
			return err
		}
		if _, err := io.Copy(z, body); err != nil {
			_ = z.Close() // the copy's error is the one to report
			return err
		}
		return z.Close()
	}
	if noCompress {
		ph.Type = packet.TypeExecFat
		produce = copyFrom(body)
	}
	return q.sendTo(ctx, d, ph, produce, opt)
}

// Freq asks node for src from its freq.path, to be saved here as dst.
func (q *Outbox) Freq(ctx context.Context, node *cfg.Node, src, dst string, replyNice uint8, opt Options) (Queued, error) {
	if len(src) > packet.MaxPathLen || src == "" {
		return Queued{}, fmt.Errorf("freq: source path must be 1..%d bytes", packet.MaxPathLen)
	}
	ph := packet.PlainHeader{Type: packet.TypeFreq, Nice: replyNice, Path: []byte(src)}
	return q.Send(ctx, node, ph, copyFrom(bytes.NewReader([]byte(dst))), opt)
}

// ACK acknowledges packet id received from node.
func (q *Outbox) ACK(ctx context.Context, node *cfg.Node, id packet.ID, opt Options) (Queued, error) {
	ph := packet.PlainHeader{Type: packet.TypeACK, Nice: opt.Nice, Path: id[:]}
	return q.Send(ctx, node, ph, func(io.Writer) error { return nil }, opt)
}

// Trns wraps an existing encrypted packet, addressed to node, in transit
// layers along via (first hop first) and queues it for the first hop.
func (q *Outbox) Trns(ctx context.Context, node *cfg.Node, via []packet.ID, pkt io.Reader, opt Options) (Queued, error) {
	if len(via) == 0 {
		return Queued{}, errors.New("trns: no relay given (--via)")
	}
	hops := via[:len(via)-1]
	last, ok := q.Cfg.ByID[via[len(via)-1]]
	if !ok {
		return Queued{}, fmt.Errorf("trns: unknown relay %s", via[len(via)-1])
	}
	opt.Via = &hops
	ph := packet.PlainHeader{Type: packet.TypeTrns, Path: node.ID[:]}
	return q.Send(ctx, last, ph, copyFrom(pkt), opt)
}

// TrnsFromSpool moves SPOOL/<node>/tx/<id> behind relays: the new packet
// is queued first, then the original removed.
func (q *Outbox) TrnsFromSpool(ctx context.Context, node *cfg.Node, id packet.ID, via []packet.ID, opt Options) (Queued, error) {
	f, err := q.Spool.OpenStream(node.ID, spool.TX, id)
	if err != nil {
		return Queued{}, err
	}
	res, err := q.Trns(ctx, node, via, f, opt)
	_ = f.Close() // read only
	if err != nil {
		return res, err
	}
	return res, q.Spool.Remove(node.ID, spool.TX, id)
}

// openSource opens a regular file source.
func openSource(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close() // read only
		return nil, nil, err
	}
	return f, info, nil
}

// Receipt queues the receipt for packet id that node originated: an ACK
// of it, whose body (nil for a plain ACK) says what became of it.
func (q *Outbox) Receipt(ctx context.Context, node *cfg.Node, id packet.ID, body []byte, opt Options) (Queued, error) {
	ph := packet.PlainHeader{Type: packet.TypeACK, Nice: opt.Nice, Path: id[:]}
	return q.Send(ctx, node, ph, copyFrom(bytes.NewReader(body)), opt)
}
