package main

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"

	"github.com/ferry-dtn/ferry/call/mcd"
)

// announceOnce is daemon --mcd-once, as nncp-daemon -mcd-once: one round
// of the announcements a listening daemon sends every interval, on the
// mcd-send interfaces and from --bind's port, with nothing listened on.
// An mcd-send entry that matches no interface, or an announcement that
// could not be sent, is logged and makes the exit status non-zero.
func announceOnce(e *localNode, bind string) error {
	_, p, err := net.SplitHostPort(bind)
	port, perr := strconv.ParseUint(p, 10, 16)
	if err != nil || perr != nil {
		return usageErrorf("--bind %q: --mcd-once needs HOST:PORT, the port to announce", bind)
	}
	if len(e.c.MCDSend) == 0 {
		return withHint(errors.New("daemon --mcd-once: the config has no mcd-send"),
			`add mcd-send: {"^eth0$": 10}, naming the interfaces to announce on`)
	}
	sent, missed := 0, 0
	for _, m := range e.c.MCDSend {
		ifaces, err := mcd.Interfaces([]*regexp.Regexp{m.Iface})
		if err != nil {
			return fmt.Errorf("daemon --mcd-once: %w", err)
		}
		if len(ifaces) == 0 {
			e.log.Error("no up multicast interface matches: not announced", "who", "mcd", "iface", m.Iface.String())
			missed++
			continue
		}
		n, err := mcd.AnnounceOnce(ifaces, e.c.Self.ID, int(port), e.log)
		if err != nil {
			return fmt.Errorf("daemon --mcd-once: %w", err)
		}
		e.log.Info("mcd announced", "who", "mcd", "iface", m.Iface.String(), "sent", n)
		sent, missed = sent+n, missed+len(ifaces)-n
	}
	if missed > 0 {
		return withHint(fmt.Errorf("daemon --mcd-once: %d announcements not sent, %d sent", missed, sent), "--debug says why")
	}
	return nil
}
