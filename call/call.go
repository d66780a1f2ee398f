package call

import (
	"context"
	"fmt"
	"io"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
)

// locks takes the node's rx and tx locks as the session's direction
// needs, so at most one session per neighbour runs, whoever started it.
func locks(sp *spool.Spool, node *cfg.Node, opt Options) (func(), error) {
	var unlocks []func()
	release := func() {
		for _, u := range unlocks {
			u()
		}
	}
	if opt.List {
		return release, nil
	}
	kinds := []spool.LockKind{}
	if !opt.TxOnly {
		kinds = append(kinds, spool.LockRx)
	}
	if !opt.RxOnly {
		kinds = append(kinds, spool.LockTx)
	}
	for _, k := range kinds {
		u, err := sp.Lock(node.ID, k)
		if err != nil {
			release()
			return nil, fmt.Errorf("session with %s: %w", node.Name, err)
		}
		unlocks = append(unlocks, u)
	}
	return release, nil
}

// Call runs the initiator's side of a session with node over conn.
func Call(ctx context.Context, sp *spool.Spool, c *cfg.Config, node *cfg.Node, conn io.ReadWriter, opt Options) (Stats, error) {
	return call(ctx, sp, c, node, func(context.Context) (io.ReadWriter, func(), error) { return conn, func() {}, nil }, opt)
}

// CallDial is Call over a connection that dial makes once everything the
// session says first is ready: the node's locks taken, the outbound queue
// listed and message 1 computed. A daemon under a flood of silent
// connections closes the oldest silent one to make room for the next
// (see Daemon), so a caller that connected and then listed a large queue
// could be closed before it said a word; connected last, it speaks at
// once. CallDial closes the connection when the session ends. An error
// of dial is returned as it is, so that the caller can tell it from a
// handshake's and try another address.
func CallDial(ctx context.Context, sp *spool.Spool, c *cfg.Config, node *cfg.Node, dial func(context.Context) (io.ReadWriteCloser, error), opt Options) (Stats, error) {
	return call(ctx, sp, c, node, func(ctx context.Context) (io.ReadWriter, func(), error) {
		conn, err := dial(ctx)
		if err != nil {
			return nil, nil, err
		}
		return conn, func() { _ = conn.Close() }, nil // the session is over: its result is the call's, whatever the close says
	}, opt)
}

func call(ctx context.Context, sp *spool.Spool, c *cfg.Config, node *cfg.Node, connect func(context.Context) (io.ReadWriter, func(), error), opt Options) (Stats, error) {
	if c.Self == nil {
		return Stats{}, cfg.ErrNoPrivateKeys // the caller names the node
	}
	unlock, err := locks(sp, node, opt)
	if err != nil {
		return Stats{}, err
	}
	defer unlock()
	s := newSession(sp, c, node, opt)
	s.initiator = true
	first, rest := firstBatch(s.newInfos())
	m1, err := newMessage1(c, node, first)
	if err != nil {
		return Stats{Node: node.Name}, err
	}
	conn, hangUp, err := connect(ctx)
	if err != nil {
		return Stats{Node: node.Name}, err
	}
	defer hangUp()
	t, peerFirst, err := m1.exchange(conn, deadlineOr(opt.Deadline))
	if err != nil {
		return Stats{Node: node.Name}, err // "handshake: ..."; the caller names the node and address
	}
	s.t = t
	s.ctrl = append(s.ctrl, rest...)
	s.log.Info("session started", "who", "call-start")
	st, err := s.run(ctx, peerFirst)
	s.log.Info("session finished", "who", "call-finished", "end", st.End.String(), "rxbytes", st.RxBytes, "txbytes", st.TxBytes, "duration", st.Duration.Round(1e6).String())
	return st, err
}

// Serve runs the responder's side of a session over conn: whoever calls
// is identified by its Noise key.
func Serve(ctx context.Context, sp *spool.Spool, c *cfg.Config, conn io.ReadWriter, opt Options) (Stats, error) {
	if c.Self == nil {
		return Stats{}, fmt.Errorf("serve: %w", cfg.ErrNoPrivateKeys)
	}
	var s *session
	var unlock func()
	t, node, peerFirst, err := handshakeResponder(conn, c, func(n *cfg.Node) ([]byte, error) {
		o := opt
		if o.RxRate == 0 {
			o.RxRate = n.RxRate
		}
		if o.TxRate == 0 {
			o.TxRate = n.TxRate
		}
		if o.MaxOnlineTime == 0 {
			o.MaxOnlineTime = n.MaxOnlineTime
		}
		var err error
		if unlock, err = locks(sp, n, o); err != nil {
			return nil, err
		}
		s = newSession(sp, c, n, o)
		first, rest := firstBatch(s.newInfos())
		s.ctrl = append(s.ctrl, rest...)
		return first, nil
	}, deadlineOr(opt.Deadline))
	if unlock != nil {
		defer unlock()
	}
	name := ""
	if node != nil {
		name = node.Name
	}
	if err != nil {
		return Stats{Node: name}, fmt.Errorf("serve: %w", err)
	}
	s.t = t
	s.log.Info("session started", "who", "daemon-start")
	st, err := s.run(ctx, peerFirst)
	s.log.Info("session finished", "who", "daemon-finished", "end", st.End.String(), "rxbytes", st.RxBytes, "txbytes", st.TxBytes, "duration", st.Duration.Round(1e6).String())
	return st, err
}

// firstBatch splits INFO payloads into the handshake's and the rest.
func firstBatch(infos [][]byte) ([]byte, [][]byte) {
	if len(infos) == 0 {
		return nil, nil
	}
	return infos[0], infos[1:]
}
