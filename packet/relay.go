package packet

import (
	"errors"
	"io"
)

// chain closes nested packet writers innermost first, so each layer's
// final blocks land in the layer around it before that one finishes.
type chain []*Writer // outermost first

func (c chain) Write(p []byte) (int, error) { return c[len(c)-1].Write(p) }

// ReadFrom reads r straight into the innermost packet (Writer.ReadFrom).
func (c chain) ReadFrom(r io.Reader) (int64, error) { return c[len(c)-1].ReadFrom(r) }

func (c chain) Close() error {
	var errs []error
	for i := len(c) - 1; i >= 0; i-- {
		errs = append(errs, c[i].Close())
	}
	return errors.Join(errs...)
}

// NewRelayWriter builds an onion of packets along route (first hop first,
// final destination last): each hop but the last gets a trns packet whose
// payload is the next layer, all signed by from and carrying opt.Nice.
// Only the innermost packet is padded, sized for the layers around it.
// The layers are nested writers: one pass over the payload, no goroutines.
func NewRelayWriter(w io.Writer, from *Identity, route []Peer, plain PlainHeader, opt WriteOptions) (io.WriteCloser, error) {
	wc, _, err := newRelayWriter(w, nil, from, route, plain, opt, false)
	return wc, err
}

// NewTrackedRelayWriter is NewRelayWriter that also hashes every layer
// inside the outermost as it is written: after Close, ids() returns the
// packet ids of those layers, outermost inner layer first, the one
// encrypted for the destination last (empty for a direct packet, whose
// only id is the file's own). A relay passes each layer on verbatim, so
// these are the names the layers have in the next hops' spools, and the
// last is the one the destination names in its receipt.
func NewTrackedRelayWriter(w io.Writer, from *Identity, route []Peer, plain PlainHeader, opt WriteOptions) (wc io.WriteCloser, ids func() []ID, err error) {
	return newRelayWriter(w, nil, from, route, plain, opt, true)
}

// NewKeepingRelayWriter is NewTrackedRelayWriter that also copies the
// innermost layer, the packet encrypted for the destination, to keep as
// it is written: the sender keeps it to re-wrap the same packet for
// another route (failover), so the destination sees one id whichever
// route brings it. For a direct route keep gets the whole packet.
func NewKeepingRelayWriter(w, keep io.Writer, from *Identity, route []Peer, plain PlainHeader, opt WriteOptions) (wc io.WriteCloser, ids func() []ID, err error) {
	return newRelayWriter(w, keep, from, route, plain, opt, true)
}

func newRelayWriter(w, keep io.Writer, from *Identity, route []Peer, plain PlainHeader, opt WriteOptions, track bool) (io.WriteCloser, func() []ID, error) {
	if len(route) == 0 {
		return nil, nil, errors.New("relay: empty route")
	}
	var (
		c      chain
		hashes []*MTH
	)
	cur := w
	for i := 0; i < len(route)-1; i++ {
		next := route[i+1].ID
		pw, err := NewWriter(cur, from, route[i], PlainHeader{Type: TypeTrns, Path: next[:]},
			WriteOptions{Nice: opt.Nice})
		if err != nil {
			return nil, nil, err
		}
		c = append(c, pw)
		cur = pw
		if track {
			// What the next layer writes is this layer's payload: the
			// next hop's packet, byte for byte.
			m := NewMTH()
			hashes = append(hashes, m)
			cur = io.MultiWriter(pw, m)
		}
	}
	if keep != nil {
		cur = io.MultiWriter(cur, keep)
	}
	inner := opt
	inner.Wrappers = len(route)
	pw, err := NewWriter(cur, from, route[len(route)-1], plain, inner)
	if err != nil {
		return nil, nil, err
	}
	var out []ID
	ids := func() []ID {
		if out == nil { // a hasher's Sum may be taken only once
			out = make([]ID, len(hashes))
			for i, m := range hashes {
				out[i] = m.Sum()
			}
		}
		return out
	}
	return append(c, pw), ids, nil
}

// NewAreaWriter originates an area message: the message proper is
// encrypted to the area, then carried in a plain area packet encrypted to
// self (our own tx queue fans it out to subscribers when tossed). The
// outer layer takes the padding. It returns the message hash that names
// the message on every node.
func NewAreaWriter(w io.Writer, from *Identity, area Peer, plain PlainHeader, opt WriteOptions) (io.WriteCloser, ID, error) {
	outerOpt := opt
	outerOpt.Wrappers = 1
	outer, err := NewWriter(w, from, from.Peer(), PlainHeader{Type: TypeArea, Path: area.ID[:]}, outerOpt)
	if err != nil {
		return nil, ID{}, err
	}
	inner, err := NewWriter(outer, from, area, plain, WriteOptions{Nice: opt.Nice, MaxSize: opt.MaxSize})
	if err != nil {
		return nil, ID{}, err
	}
	h := inner.Header()
	return chain{outer, inner}, MsgHash(h.Append(nil)), nil
}
