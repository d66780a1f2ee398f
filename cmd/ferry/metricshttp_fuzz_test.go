package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"unicode"
)

// FuzzReadRequest feeds the metrics endpoint's request parser what any
// peer could send. It must never panic, and whatever it accepts must be
// a method and a target without spaces that read back the same from a
// clean request line: the server compares them with fixed strings, so a
// target that kept a space or a line end would answer the wrong page.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /metrics?x=1 HTTP/1.0\r\n\r\n",
		"GET /metrics HTTP/2\r\n\r\n",
		"GET  /metrics  HTTP/1.1\n\n",
		"GET /metrics HTTP/1.1\r\nBad header\r\n\r\n",
		"\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		method, target, err := readRequest(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		for _, s := range []string{method, target} {
			if s == "" || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
				t.Fatalf("accepted method %q target %q from %q", method, target, in)
			}
		}
		m2, t2, err := readRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\n\r\n")))
		if err != nil || m2 != method || t2 != target {
			t.Fatalf("%q %q read back as %q %q, %v", method, target, m2, t2, err)
		}
	})
}
