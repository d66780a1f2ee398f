package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDaemonMetrics runs a real daemon with --metrics on 127.0.0.1:0,
// makes one good call (whose file autotoss delivers) and one connection
// that is not a handshake, and checks /metrics counts them and passes
// promtool.
func TestDaemonMetrics(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := exec.CommandContext(ctx, ferryBin, "daemon", "--cfg", l.cfg("alice"), "--quiet", "--bind", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--autotoss")
	d.Env = append(os.Environ(), "NNCPCFG=")
	d.Cancel = func() error { return d.Process.Signal(os.Interrupt) }
	d.WaitDelay = 5 * time.Second
	out, err := d.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Wait() }() // stopped by the cancel: Wait reports the cancel
	defer cancel()
	var bind, metricsURL string
	sc := bufio.NewScanner(out)
	for (bind == "" || metricsURL == "") && sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			bind = a
		}
		if u, ok := strings.CutPrefix(sc.Text(), "metrics on "); ok {
			metricsURL = u
		}
	}
	if bind == "" || metricsURL == "" {
		t.Fatalf("daemon did not say where it listens (%q, %q)", bind, metricsURL)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }() // drains stdout until the daemon exits

	l.ferry(t, "bob", []byte("hello"), "file", "-", "alice:hello")
	if r := ferry(t, nil, "call", "--cfg", l.cfg("bob"), "--quiet", "alice", bind); r.code != 0 {
		t.Fatalf("call: exit %d: %s", r.code, r.stderr)
	}
	c, err := net.Dial("tcp", bind)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(make([]byte, 300)); err != nil { // garbage: a failed handshake
		t.Fatal(err)
	}
	// Until the daemon hangs up (a reset is one too): it has counted it by then.
	_, _ = io.Copy(io.Discard, c)
	_ = c.Close() // hung up on: nothing to lose

	wants := []string{
		`ferry_daemon_sessions_total{node="bob",outcome="ok"} 1`,
		`ferry_daemon_packets_total{node="bob",direction="rx"} 1`,
		`ferry_daemon_handshake_failures_total{reason="bad-handshake"} 1`,
		`ferry_toss_packets_total{result="tossed",type="file"} 1`,
		`# TYPE ferry_queue_packets gauge`,
		`# TYPE ferry_daemon_refused_total counter`,
	}
	var body []byte
	// The daemon counts a session as its side of it ends, which may be
	// after our caller has exited, and the refusal as it closes: poll a
	// bounded number of times until everything shows (the test's verdict
	// is the content, not the time).
	for range 200 {
		body = scrape(t, metricsURL)
		all := true
		for _, want := range wants {
			all = all && strings.Contains(string(body), want+"\n")
		}
		if all {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range wants {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("no %q in:\n%s", want, body)
		}
	}
	promtoolCheck(t, body)
}

func scrape(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to its end below
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s: %s", url, err, resp.Status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	return b
}
