package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// mediaOptions builds the options xfer and bundle share.
func mediaOptions(e *localNode, nice uint8, nodes string) (media.Options, error) {
	opt := media.Options{Nice: nice, Log: e.log, Name: e.c.NodeName,
		Known: func(id packet.ID) bool { _, ok := e.c.ByID[id]; return ok }}
	if e.c.Self != nil {
		opt.Me = e.c.Self.Identity()
	}
	if e.c.AnyQuota() {
		opt.RxQuota = func(id packet.ID) spool.Quota {
			own, all := e.c.Quotas(id)
			return spool.Quota{Own: spool.Limit(own.RX), All: spool.Limit(all.RX)}
		}
	}
	if nodes != "" {
		ids, err := e.nodeList(nodes)
		if err != nil {
			return opt, err
		}
		opt.Only = map[packet.ID]bool{}
		for _, id := range ids {
			opt.Only[id] = true
		}
	}
	return opt, nil
}

// nodeList resolves NODE,... to ids.
func (e *localNode) nodeList(s string) ([]packet.ID, error) {
	var ids []packet.ID
	for _, n := range splitComma(s) {
		node, err := e.c.FindNode(n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, node.ID)
	}
	return ids, nil
}

// neighbourIDs lists every configured node, self included, once.
func (e *localNode) neighbourIDs() []packet.ID {
	seen := map[packet.ID]bool{}
	var ids []packet.ID
	for _, n := range e.c.Neigh {
		if !seen[n.ID] {
			seen[n.ID] = true
			ids = append(ids, n.ID)
		}
	}
	return ids
}

func addNiceFlag(fs *pflag.FlagSet, p *uint8) {
	fs.Var(newNice(p, packet.NiceMax), "nice", "only packets with niceness up to `NICE`")
}

func statsLine(what string, st media.Stats) string {
	line := fmt.Sprintf("%s: %d packets, %s; %d skipped, %d refused, %d failed", what, st.Packets, humanSize(st.Bytes), st.Skipped, st.Refused, st.Failed)
	if st.OverQuota > 0 {
		line += fmt.Sprintf(", %d over the rx quota", st.OverQuota)
	}
	return line
}

// mediaQuotaHint is the hint of an xfer or bundle run that left packets
// for the rx quota: where they are, and how to make room.
// rxErr is the run's own error, err what the command returns.
func mediaQuotaHint(err, rxErr error, where string) error {
	if !errors.Is(rxErr, spool.ErrQuotaFull) {
		return err
	}
	return withHint(err, "the packets over the rx quota stay %s: toss what was received (ferry toss) and run it again, or raise ferry-quota's rx-bytes/rx-packets", where)
}
