package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metricsHTTP answers the one request daemon --metrics serves, GET (or
// HEAD) /metrics, in HTTP/1.x, one request per connection. It stands in
// for net/http, which ferry linked for nothing else: net/http and what
// it pulls in (crypto/tls, crypto/x509, HTTP/2) were 27% of the binary
// (17.7 MB, 12.8 MB without), and their package initialisers and page
// faults cost every start, which ferry exec pays once per message:
// --version 3.43 -> 3.19 ms of CPU, exec 5.49 -> 5.35 ms (interleaved
// runs, 300 and 150 of each, load 3.3).
type metricsHTTP struct {
	l    net.Listener
	body func() ([]byte, error) // the scrape; an error is answered 500
	log  *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	done   chan struct{}  // closed by close: ends the accept loop's pauses
	wg     sync.WaitGroup // the accept loop and each connection's goroutine
}

// Limits of one exchange. A request's line and headers must come within
// headerTimeout (net/http's ReadHeaderTimeout was the same) and fit in
// maxHeader bytes; the answer must be taken within writeTimeout, so a
// scraper that stops reading does not hold a goroutine until the daemon
// stops.
const (
	headerTimeout = 10 * time.Second
	writeTimeout  = time.Minute
	maxHeader     = 64 << 10
)

// serve accepts connections until close; each is answered on a
// goroutine of its own that close waits for.
func (s *metricsHTTP) serve() {
	s.conns = map[net.Conn]struct{}{}
	s.done = make(chan struct{})
	s.wg.Go(func() {
		var pause time.Duration
		for {
			c, err := s.l.Accept()
			if err != nil {
				if s.isClosed() || errors.Is(err, net.ErrClosed) {
					return
				}
				// Out of file descriptors, say: logged, and tried
				// again after a pause that grows to a second (as
				// net/http does), so scrapes resume once it passes.
				if pause == 0 {
					s.log.Error("metrics server: accept failed; retrying", "who", "daemon", "err", err)
				}
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(pause):
				case <-s.done:
					return
				}
				continue
			}
			pause = 0
			if !s.track(c) {
				_ = c.Close() // closing: not answered
				return
			}
			s.wg.Go(func() {
				defer s.untrack(c)
				s.answer(c)
			})
		}
	})
}

func (s *metricsHTTP) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *metricsHTTP) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *metricsHTTP) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	_ = c.Close() // the answer, if any, was written; nothing is lost
}

// close stops accepting, cuts the exchanges under way and waits for
// every goroutine.
func (s *metricsHTTP) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
		_ = s.l.Close() // only stops the accept loop
		for c := range s.conns {
			_ = c.Close() // an answer cut short: the scraper retries
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// answer reads one request from c and writes its response. Only a
// scrape's answer that did not get through is logged: an error answer
// that cannot be written leaves a peer that is gone or misbehaving.
func (s *metricsHTTP) answer(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(headerTimeout)) // fails only on a closed conn, which the read reports
	method, target, err := readRequest(bufio.NewReader(io.LimitReader(c, maxHeader)))
	if err != nil {
		if !errors.Is(err, io.EOF) { // a connection closed before asking is no request
			_ = s.respond(c, 400, "text/plain; charset=utf-8", []byte("bad request: "+err.Error()+"\n"), true)
		}
		return
	}
	path, _, _ := strings.Cut(target, "?")
	switch {
	case path != "/metrics":
		_ = s.respond(c, 404, "text/plain; charset=utf-8", []byte("404 page not found\n"), true)
	case method != "GET" && method != "HEAD":
		_ = s.respond(c, 405, "text/plain; charset=utf-8", []byte("method not allowed\n"), true)
	default:
		b, err := s.body()
		if err != nil {
			s.log.Error("metrics scrape failed", "who", "daemon", "err", err)
			_ = s.respond(c, 500, "text/plain; charset=utf-8", []byte(err.Error()+"\n"), method == "GET")
			return
		}
		if err := s.respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", b, method == "GET"); err != nil {
			s.log.Info("metrics scrape cut short", "who", "daemon", "peer", c.RemoteAddr().String(), "err", err)
		}
	}
}

// readRequest reads a request line and its headers (which nothing here
// needs) and returns the method and target.
func readRequest(r *bufio.Reader) (method, target string, err error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return "", "", err
	}
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/1.") {
		return "", "", fmt.Errorf("request line %q", line)
	}
	if _, err := tp.ReadMIMEHeader(); err != nil {
		return "", "", fmt.Errorf("headers: %w", err)
	}
	return f[0], f[1], nil
}

// respond writes a whole response and closes the exchange (Connection:
// close: one request per connection, which scrapers handle).
func (s *metricsHTTP) respond(c net.Conn, code int, ctype string, body []byte, withBody bool) error {
	_ = c.SetWriteDeadline(time.Now().Add(writeTimeout)) // fails only on a closed conn, which the write reports
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + statusText(code) + "\r\n")
	b.WriteString("Content-Type: " + ctype + "\r\n")
	if code == 405 {
		b.WriteString("Allow: GET, HEAD\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	if withBody {
		b.Write(body)
	}
	_, err := c.Write(b.Bytes())
	return err
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	}
	return "Internal Server Error"
}

// serveMetrics serves GET /metrics on addr until ctx ends: the spool's
// gauges (as stat --metrics) and the counters. It returns once
// listening; wait returns when the server has stopped.
func serveMetrics(ctx context.Context, addr string, e *localNode, ctr *daemonCounters, out *output) (wait func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("daemon --metrics: %w", err)
	}
	fmt.Fprintf(out, "metrics on http://%s/metrics\n", l.Addr())
	s := &metricsHTTP{l: l,
		body: func() ([]byte, error) {
			var m metricSet
			if err := spoolMetrics(&m, e.sp, e.c, time.Now()); err != nil {
				return nil, err
			}
			ctr.add(&m)
			var b bytes.Buffer
			err := m.write(&b) // a bytes.Buffer takes all
			return b.Bytes(), err
		},
		log: e.log,
	}
	s.serve()
	// The server: started here, stopped by ctx, waited for by wait.
	stop := context.AfterFunc(ctx, s.close)
	return func() {
		stop()
		s.close()
	}, nil
}
