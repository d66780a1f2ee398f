// Package mcd is NNCP's multicast discovery: daemons announce their node
// id on a link (UDP to ff02::4e4e:4350, port 5400, sent from the daemon's
// TCP port) and callers learn where a neighbour answers today.
package mcd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Port is where announcements are sent and heard.
const Port = 5400

// Group is the link-local multicast group of announcements.
var Group = net.ParseIP("ff02::4e4e:4350")

// Expiry is how long a learned address is trusted.
const Expiry = 2 * time.Minute

// Encode makes an announcement: magic ‖ node id (40 bytes).
func Encode(id packet.ID) []byte {
	return append(append([]byte(nil), packet.MagicMCD[:]...), id[:]...)
}

// Decode reads an announcement.
func Decode(b []byte) (packet.ID, bool) {
	if len(b) != 40 || [8]byte(b[:8]) != packet.MagicMCD {
		return packet.ID{}, false
	}
	return packet.ID(b[8:]), true
}

// Interfaces lists the up, multicast-capable interfaces whose names match
// any of res (POSIX ERE, unanchored).
func Interfaces(res []*regexp.Regexp) ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			continue
		}
		for _, re := range res {
			if re.MatchString(ifi.Name) {
				out = append(out, ifi)
				break
			}
		}
	}
	return out, nil
}

// Announce sends self's announcement on every interface each interval
// until ctx ends, from UDP port tcpPort so that listeners learn the
// daemon's port too.
func Announce(ctx context.Context, ifaces []net.Interface, self packet.ID, tcpPort int, every time.Duration, log *slog.Logger) error {
	conn, err := announcer(tcpPort)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }() // a UDP socket: nothing to flush
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		sendRound(conn, ifaces, self, log)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// AnnounceOnce sends one round of self's announcements, one on each
// interface, as Announce does every interval. It returns how many were
// sent; the others are logged.
func AnnounceOnce(ifaces []net.Interface, self packet.ID, tcpPort int, log *slog.Logger) (int, error) {
	conn, err := announcer(tcpPort)
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }() // a UDP socket: nothing to flush
	return sendRound(conn, ifaces, self, log), nil
}

// announcer is the socket announcements leave from: the daemon's TCP
// port, on UDP.
func announcer(tcpPort int) (*net.UDPConn, error) {
	conn, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6unspecified, Port: tcpPort})
	if err != nil {
		return nil, fmt.Errorf("mcd announce from port %d: %w", tcpPort, err)
	}
	return conn, nil
}

func sendRound(conn *net.UDPConn, ifaces []net.Interface, self packet.ID, log *slog.Logger) (sent int) {
	msg := Encode(self)
	for _, ifi := range ifaces {
		if _, err := conn.WriteToUDP(msg, &net.UDPAddr{IP: Group, Port: Port, Zone: ifi.Name}); err != nil {
			if log != nil {
				log.Debug("mcd announce failed", "who", "mcd", "iface", ifi.Name, "err", err)
			}
			continue
		}
		sent++
	}
	return sent
}

// Book remembers where neighbours announced themselves.
type Book struct {
	mu sync.Mutex
	m  map[packet.ID]map[string]time.Time
	ch chan struct{}

	conns   []*net.UDPConn // Listen's, closed by Stop or when its ctx ends
	readers sync.WaitGroup // Listen's readers, waited for by Stop
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{m: map[packet.ID]map[string]time.Time{}, ch: make(chan struct{})}
}

func (b *Book) add(id packet.ID, addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m[id] == nil {
		b.m[id] = map[string]time.Time{}
	}
	b.m[id][addr] = time.Now()
	close(b.ch)
	b.ch = make(chan struct{})
}

// Addrs returns the fresh addresses learned for id.
func (b *Book) Addrs(id packet.ID) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for a, at := range b.m[id] {
		if time.Since(at) < Expiry {
			out = append(out, a)
		}
	}
	return out
}

// Wait returns id's addresses as soon as it has some, or nil at timeout.
func (b *Book) Wait(ctx context.Context, id packet.ID, timeout time.Duration) []string {
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		ch := b.ch
		b.mu.Unlock()
		if a := b.Addrs(id); len(a) > 0 {
			return a
		}
		select {
		case <-ch:
		case <-deadline:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// Listen hears announcements on the interfaces until ctx ends, recording
// those from ids known accepts.
func (b *Book) Listen(ctx context.Context, ifaces []net.Interface, known func(packet.ID) bool) error {
	var conns []*net.UDPConn
	for _, ifi := range ifaces {
		c, err := net.ListenMulticastUDP("udp6", &ifi, &net.UDPAddr{IP: Group, Port: Port})
		if err != nil {
			for _, c := range conns {
				_ = c.Close() // a UDP socket: nothing to flush
			}
			return err
		}
		conns = append(conns, c)
	}
	b.mu.Lock()
	b.conns = append(b.conns, conns...)
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		for _, c := range conns {
			_ = c.Close() // a UDP socket: nothing to flush
		}
	})
	for _, c := range conns {
		b.readers.Go(func() {
			buf := make([]byte, 64)
			for {
				n, src, err := c.ReadFromUDP(buf)
				if err != nil {
					return
				}
				id, ok := Decode(buf[:n])
				if !ok || !known(id) {
					continue
				}
				host := src.IP.String()
				if src.Zone != "" {
					host += "%" + src.Zone
				}
				b.add(id, net.JoinHostPort(host, strconv.Itoa(src.Port)))
			}
		})
	}
	return nil
}

// Stop ends listening and waits for Listen's readers to return.
func (b *Book) Stop() {
	b.mu.Lock()
	conns := b.conns
	b.conns = nil
	b.mu.Unlock()
	for _, c := range conns {
		_ = c.Close() // a UDP socket: nothing to flush
	}
	b.readers.Wait()
}
