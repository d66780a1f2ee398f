package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func vec(t *testing.T, glob string) (string, []byte) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(vecDir, glob))
	if len(m) != 1 {
		t.Fatalf("vector %s: %v", glob, m)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(m[0]), b
}

func TestPktVectors(t *testing.T) {
	t.Parallel()
	bob := labCfg(t, "bob")
	for _, c := range []struct{ name, want string }{
		{"file-1byte", "Niceness: P (96)\nSender: ATZZZUML6BFXMK7XCLAWUDRGOIFAJORJQUINOBNXQRBRJHG7Q4AQ (alice)\nRecipient: KTW3VCPWJSCYZWMEVDETP6YMID2AHDVRVMEFLF6JRJOF4ZC3ZP3A (self)\nPayload type: file\nPayload niceness: P (96)\nPath: one.bin\nPayload size: 1\n"},
		{"exec-zstd", "Payload type: exec\nPayload niceness: B (224)\nPath: [\"handler\" \"arg1\" \"arg two\"]"},
		{"trns-outer", "Payload type: trns\nPayload niceness: 0 (0)\nPath: BIIOHKACRUV7M6I723ZFAPZSUHD6HBD2RCHAXQTPXDGYNDCG6YLQ (carol)"},
		{"area-to-bob", "Payload type: area\n"},
	} {
		name, data := vec(t, "packets/"+c.name+"/*")
		r := ferry(t, data, "pkt", "--cfg", bob)
		if r.code != 0 || !strings.Contains(string(r.stdout), c.want) {
			t.Errorf("%s: exit %d\n%s\nwant %q\n%s", c.name, r.code, r.stdout, c.want, r.stderr)
		}
		_, plain := vec(t, "plain/"+c.name+"/"+name+".plain")
		if r := ferry(t, data, "pkt", "--cfg", bob, "--dump"); !bytes.Equal(r.stdout, plain) {
			t.Errorf("%s --dump differs from the recorded plain packet (%s)", c.name, r.stderr)
		}
		// A plain packet: --dump gives the payload.
		if r := ferry(t, plain, "pkt", "--dump"); !bytes.Equal(r.stdout, plain[276:]) {
			t.Errorf("%s: plain --dump differs", c.name)
		}
	}
	_, data := vec(t, "packets/exec-zstd/*")
	r := ferry(t, data, "pkt", "--cfg", bob, "--dump", "--decompress")
	if !bytes.HasPrefix(r.stdout, []byte("line 0000 of an exec body")) {
		t.Errorf("--decompress: %q", r.stdout[:min(40, len(r.stdout))])
	}
	// Damage is reported, with exit 1.
	bad := bytes.Clone(data)
	bad[len(bad)-3] ^= 1
	r = ferry(t, bad, "pkt", "--cfg", bob)
	if r.code != 1 || !bytes.Contains(r.stderr, []byte("ferry: error: pkt: decrypt: block authentication failed")) {
		t.Errorf("damaged packet: exit %d %s", r.code, r.stderr)
	}
}

func TestCfgnewAndCfgmin(t *testing.T) {
	t.Parallel()
	r := ferry(t, nil, "cfgnew", "--area", "news")
	if r.code != 0 {
		t.Fatalf("cfgnew: %s", r.stderr)
	}
	p := filepath.Join(t.TempDir(), "new.hjson")
	mustWrite(t, p, r.stdout, 0o600)
	min := ferry(t, nil, "cfgmin", "--cfg", p)
	if min.code != 0 || bytes.Contains(min.stdout, []byte("prv")) {
		t.Fatalf("cfgmin: %s %s", min.stdout, min.stderr)
	}
	if nc := ferry(t, nil, "cfgnew", "--nocomments"); bytes.Contains(nc.stdout, []byte("#")) {
		t.Error("--nocomments left comments")
	}
	needNNCP(t, "nncp-cfgmin")
	if out, err := exec.Command("nncp-cfgmin", "-cfg", p).CombinedOutput(); err != nil {
		t.Fatalf("nncp-cfgmin rejects ferry cfgnew output: %v\n%s", err, out)
	}
}
