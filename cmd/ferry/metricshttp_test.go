package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestNoNetHTTP: the binary links neither net/http nor what only it
// pulls in; each start pays for their initialisers and pages
// (metricshttp.go). The tests may use them.
func TestNoNetHTTP(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/ferry-dtn/ferry/cmd/ferry").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "net/http", "crypto/tls", "crypto/x509":
			t.Errorf("cmd/ferry imports %s", p)
		}
	}
}

func startMetricsHTTP(t *testing.T, body func() ([]byte, error)) (*metricsHTTP, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &metricsHTTP{l: l, body: body, log: slog.New(slog.DiscardHandler)}
	s.serve()
	t.Cleanup(s.close)
	return s, l.Addr().String()
}

// TestMetricsHTTP: what net/http's client makes of each answer.
func TestMetricsHTTP(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	_, addr := startMetricsHTTP(t, func() ([]byte, error) {
		if fail.Load() {
			return nil, errors.New("spool unreadable")
		}
		return []byte("# TYPE x gauge\nx 1\n"), nil
	})
	base := "http://" + addr
	get := func(method, url string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer func() { _ = resp.Body.Close() }() // read to its end below
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, url, err)
		}
		return resp, string(b)
	}
	resp, b := get("GET", base+"/metrics?x=1")
	if resp.StatusCode != 200 || b != "# TYPE x gauge\nx 1\n" || resp.Header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("GET /metrics: %s %q %q", resp.Status, resp.Header.Get("Content-Type"), b)
	}
	if resp, b := get("HEAD", base+"/metrics"); resp.StatusCode != 200 || b != "" || resp.ContentLength != int64(len("# TYPE x gauge\nx 1\n")) {
		t.Errorf("HEAD /metrics: %s %d %q", resp.Status, resp.ContentLength, b)
	}
	if resp, _ := get("GET", base+"/"); resp.StatusCode != 404 {
		t.Errorf("GET /: %s", resp.Status)
	}
	if resp, _ := get("POST", base+"/metrics"); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /metrics: %s, Allow %q", resp.Status, resp.Header.Get("Allow"))
	}
	fail.Store(true)
	if resp, b := get("GET", base+"/metrics"); resp.StatusCode != 500 || b != "spool unreadable\n" {
		t.Errorf("failed scrape: %s %q", resp.Status, b)
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }() // read to the server's close
	if _, err := io.WriteString(c, "HELLO\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "HTTP/1.1 400 Bad Request\r\n" {
		t.Errorf("garbage request: %q, %v", line, err)
	}
}

// TestMetricsHTTPCloseCutsIdle: close ends a connection that never
// sends its request, without waiting for its header timeout.
func TestMetricsHTTPCloseCutsIdle(t *testing.T) {
	t.Parallel()
	s, addr := startMetricsHTTP(t, func() ([]byte, error) { return nil, nil })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }() // read to the server's close
	// Once the server tracks the connection, a close must cut it: wait
	// for it to be tracked (a bounded number of looks, not a time).
	for i := 0; ; i++ {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		if i == 10000 {
			t.Fatal("connection never accepted")
		}
		time.Sleep(time.Millisecond)
	}
	s.close() // returns once every goroutine did: an idle one must not hold it for headerTimeout
	if err := c.SetReadDeadline(time.Now().Add(headerTimeout / 2)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read after close: %d, %v", n, err)
	}
}

// failingOnce is a listener whose first Accept fails, as one does when
// the process is out of file descriptors.
type failingOnce struct {
	net.Listener
	failed atomic.Bool
}

func (l *failingOnce) Accept() (net.Conn, error) {
	if !l.failed.Swap(true) {
		return nil, errors.New("accept: too many open files")
	}
	return l.Listener.Accept()
}

// TestMetricsHTTPAcceptRetries: a failed accept does not end the
// server; the next scrape is answered.
func TestMetricsHTTPAcceptRetries(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &metricsHTTP{l: &failingOnce{Listener: l}, body: func() ([]byte, error) { return []byte("x 1\n"), nil },
		log: slog.New(slog.DiscardHandler)}
	s.serve()
	defer s.close()
	// The timeout only turns a server that stopped accepting into a
	// failure instead of a hang.
	resp, err := (&http.Client{Timeout: time.Minute}).Get("http://" + l.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to its end below
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(b) != "x 1\n" {
		t.Errorf("after a failed accept: %s %q %v", resp.Status, b, err)
	}
}
