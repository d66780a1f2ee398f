package packet_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/packet"
)

// lab is the three-node NNCP lab of the vectors, in a temporary directory,
// for running the real NNCP tools on packets ferry makes.
type lab struct {
	dir  string
	keys map[string]*keyring
}

func newLab(t *testing.T) *lab {
	t.Helper()
	for _, tool := range []string{"nncp-pkt", "nncp-toss"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install nncp): skipping interop with the real NNCP", tool)
		}
	}
	l := &lab{dir: labtest.New(t), keys: map[string]*keyring{}}
	for _, n := range labtest.Nodes {
		l.keys[n] = loadKeyring(t, n)
	}
	return l
}

func (l *lab) cfg(node string) string   { return labtest.CfgPath(l.dir, node) }
func (l *lab) id(node string) packet.ID { return l.keys[node].self.ID }
func (l *lab) path(p ...string) string  { return filepath.Join(append([]string{l.dir}, p...)...) }

// put stores a packet in node's spool under SPOOL/<peer>/<xx>/<name>.
func (l *lab) put(t *testing.T, node, peer, xx string, data []byte) string {
	t.Helper()
	id, _, _ := packet.MTHOf(bytes.NewReader(data))
	dir := l.path(node, "spool", l.id(peer).String(), xx)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id.String()), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func (l *lab) run(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr)
	}
	return out
}

func (l *lab) toss(t *testing.T, node string, args ...string) {
	t.Helper()
	l.run(t, nil, "nncp-toss", append([]string{"-cfg", l.cfg(node), "-quiet"}, args...)...)
}

func (l *lab) tx(t *testing.T, node, peer string) []string {
	ents, _ := os.ReadDir(l.path(node, "spool", l.id(peer).String(), "tx"))
	var names []string
	for _, e := range ents {
		if packet.IsPacketName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// make builds one packet from `from` along route with the given body.
func (l *lab) make(t *testing.T, from string, route []string, ph packet.PlainHeader, body []byte, opt packet.WriteOptions) []byte {
	t.Helper()
	var peers []packet.Peer
	for _, n := range route {
		peers = append(peers, l.keys[n].self.Peer())
	}
	var out bytes.Buffer
	w, err := packet.NewRelayWriter(&out, l.keys[from].self, peers, ph, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zstdBody(t *testing.T, body []byte) []byte {
	var b bytes.Buffer
	z, _ := packet.NewExecCompressor(&b)
	if _, err := z.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInteropNNCPReadsAndTossesFerryPackets(t *testing.T) {
	l := newLab(t)
	big := payload(300000)
	for _, minSize := range []int64{0, 400 << 10} {
		opt := packet.WriteOptions{Nice: 96, MinSize: minSize}
		name := "f" + string(rune('0'+minSize/(400<<10)))
		cases := []struct {
			ph   packet.PlainHeader
			body []byte
		}{
			{packet.PlainHeader{Type: packet.TypeFile, Nice: 96, Path: []byte("sub/" + name)}, big},
			{packet.PlainHeader{Type: packet.TypeExec, Nice: 224, Path: []byte("handler\x00a1\x00arg two")}, zstdBody(t, []byte("mail body\n"))},
			{packet.PlainHeader{Type: packet.TypeExecFat, Nice: 32, Path: []byte("handler\x00fat")}, []byte("fat body\n")},
			{packet.PlainHeader{Type: packet.TypeFreq, Nice: 160, Path: []byte("pub.txt")}, []byte("got-" + name)},
		}
		if err := os.WriteFile(l.path("bob", "pub", "pub.txt"), []byte("public\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			pkt := l.make(t, "alice", []string{"bob"}, c.ph, c.body, opt)
			if minSize > 0 && int64(len(pkt)) != minSize {
				t.Errorf("%v: padded to %d, want %d", c.ph.Type, len(pkt), minSize)
			}
			// nncp-pkt -dump gives back exactly our plain packet.
			dump := l.run(t, pkt, "nncp-pkt", "-cfg", l.cfg("bob"), "-dump")
			want, _ := c.ph.Append(nil)
			want = append(want, c.body...)
			if !bytes.Equal(dump, want) {
				t.Errorf("%v min %d: nncp-pkt -dump differs (%d vs %d bytes)", c.ph.Type, minSize, len(dump), len(want))
			}
			l.put(t, "bob", "alice", "rx", pkt)
			l.toss(t, "bob")
			if left, _ := filepath.Glob(l.path("bob", "spool", l.id("alice").String(), "rx", "[A-Z2-7]*")); len(left) > 0 {
				t.Fatalf("%v: nncp-toss left %v", c.ph.Type, left)
			}
			switch c.ph.Type {
			case packet.TypeFile:
				if !bytes.Equal(readFile(t, l.path("bob", "incoming", "sub", name)), big) {
					t.Error("file content differs")
				}
			case packet.TypeExec:
				if got := string(readFile(t, l.path("bob", "exec-out", "stdin"))); got != "mail body\n" {
					t.Errorf("exec stdin %q", got)
				}
				env := string(readFile(t, l.path("bob", "exec-out", "env")))
				if !strings.Contains(env, "NNCP_NICE=224") || !strings.Contains(env, "NNCP_SENDER="+l.id("alice").String()) {
					t.Errorf("exec env %q", env)
				}
				if args := string(readFile(t, l.path("bob", "exec-out", "args"))); args != "a1\narg two\n" {
					t.Errorf("exec args %q", args)
				}
			case packet.TypeExecFat:
				if got := string(readFile(t, l.path("bob", "exec-out", "stdin"))); got != "fat body\n" {
					t.Errorf("exec-fat stdin %q", got)
				}
			case packet.TypeFreq:
				replies := l.tx(t, "bob", "alice")
				if len(replies) == 0 {
					t.Fatal("freq: no reply queued")
				}
				// alice tosses bob's reply and gets the file under the asked name.
				for _, r := range replies {
					data := readFile(t, l.path("bob", "spool", l.id("alice").String(), "tx", r))
					if err := os.Remove(l.path("bob", "spool", l.id("alice").String(), "tx", r)); err != nil {
						t.Fatal(err)
					}
					l.put(t, "alice", "bob", "rx", data)
				}
				l.toss(t, "alice")
				if got := string(readFile(t, l.path("alice", "incoming", "got-"+name))); got != "public\n" {
					t.Errorf("freq reply %q", got)
				}
			}
		}
	}
}

func TestInteropACK(t *testing.T) {
	l := newLab(t)
	// bob has a packet queued for alice; alice (ferry) acknowledges it.
	queued := l.make(t, "bob", []string{"alice"}, packet.PlainHeader{Type: packet.TypeFile, Path: []byte("x")}, []byte("x"), packet.WriteOptions{Nice: 224})
	name := l.put(t, "bob", "alice", "tx", queued)
	id, _ := packet.ParseID(name)
	ack := l.make(t, "alice", []string{"bob"}, packet.PlainHeader{Type: packet.TypeACK, Nice: 160, Path: id[:]}, nil, packet.WriteOptions{Nice: 160})
	l.put(t, "bob", "alice", "rx", ack)
	l.toss(t, "bob")
	if left := l.tx(t, "bob", "alice"); len(left) != 0 {
		t.Fatalf("ACK did not clear bob's tx: %v", left)
	}
}

// One relay layer (alice -> bob -> carol) and two (alice -> bob -> carol
// -> bob -> alice, where carol re-wraps for its own route), every hop
// tossed by the real NNCP.
func TestInteropRelayLayers(t *testing.T) {
	l := newLab(t)
	body := []byte("through the relays\n")
	ph := packet.PlainHeader{Type: packet.TypeFile, Nice: 224, Path: []byte("relayed.txt")}

	// 1 layer: bob stores the inner packet verbatim for carol.
	pkt := l.make(t, "alice", []string{"bob", "carol"}, ph, body, packet.WriteOptions{Nice: 224, MinSize: 2048})
	l.put(t, "bob", "alice", "rx", pkt)
	l.toss(t, "bob")
	out := l.tx(t, "bob", "carol")
	if len(out) != 1 {
		t.Fatalf("bob queued %v for carol", out)
	}
	inner := readFile(t, l.path("bob", "spool", l.id("carol").String(), "tx", out[0]))
	if err := os.Remove(l.path("bob", "spool", l.id("carol").String(), "tx", out[0])); err != nil {
		t.Fatal(err)
	}
	if innerID, _, _ := packet.MTHOf(bytes.NewReader(inner)); innerID.String() != out[0] {
		t.Errorf("relay stored %s under %s", innerID, out[0])
	}
	l.put(t, "carol", "bob", "rx", inner)
	l.toss(t, "carol")
	if got := readFile(t, l.path("carol", "incoming", "relayed.txt")); !bytes.Equal(got, body) {
		t.Fatalf("carol got %q", got)
	}

	// 2 layers: route bob, carol, then alice herself.
	pkt = l.make(t, "alice", []string{"bob", "carol", "alice"}, ph, body, packet.WriteOptions{Nice: 224})
	dump := l.run(t, pkt, "nncp-pkt", "-cfg", l.cfg("bob"), "-dump")
	if h, _ := packet.ParsePlainHeader(dump); h.Type != packet.TypeTrns || !bytes.Equal(h.Path, l.keys["carol"].self.ID[:]) {
		t.Fatalf("outer layer as NNCP sees it: %v", h.Type)
	}
	hops := []struct{ node, from, next string }{{"bob", "alice", "carol"}, {"carol", "bob", "bob"}, {"bob", "carol", "alice"}}
	data := pkt
	for _, h := range hops {
		l.put(t, h.node, h.from, "rx", data)
		l.toss(t, h.node)
		q := l.tx(t, h.node, h.next)
		if len(q) != 1 {
			t.Fatalf("%s queued %v for %s", h.node, q, h.next)
		}
		p := l.path(h.node, "spool", l.id(h.next).String(), "tx", q[0])
		data = readFile(t, p)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	l.put(t, "alice", "bob", "rx", data)
	l.toss(t, "alice")
	if got := readFile(t, l.path("alice", "incoming", "relayed.txt")); !bytes.Equal(got, body) {
		t.Fatalf("alice got %q", got)
	}
}

func TestInteropArea(t *testing.T) {
	l := newLab(t)
	alice := l.keys["alice"]
	var out bytes.Buffer
	w, msg, err := packet.NewAreaWriter(&out, alice.self, alice.area.Peer(), packet.PlainHeader{Type: packet.TypeFile, Nice: 224, Path: []byte("area.txt")}, packet.WriteOptions{Nice: 224})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "to the area\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l.put(t, "alice", "alice", "tx", out.Bytes())
	marker := l.path("alice", "spool", l.id("alice").String(), "area", alice.area.ID.String())
	if err := os.MkdirAll(marker, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(marker, msg.String()), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l.toss(t, "alice", "-node", "self")
	q := l.tx(t, "alice", "bob")
	if len(q) != 1 {
		t.Fatalf("alice fanned out %v to bob", q)
	}
	l.put(t, "bob", "alice", "rx", readFile(t, l.path("alice", "spool", l.id("bob").String(), "tx", q[0])))
	l.toss(t, "bob")
	if got := string(readFile(t, l.path("bob", "area-incoming", "area.txt"))); got != "to the area\n" {
		t.Fatalf("bob's area file %q", got)
	}
	if _, err := os.Stat(l.path("bob", "spool", l.id("bob").String(), "area", alice.area.ID.String(), msg.String())); err != nil {
		t.Errorf("bob's seen marker: %v", err)
	}
}
