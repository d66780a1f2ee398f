package main

import (
	"os"
	"strings"
	"testing"
)

// sender and tosser stand for either implementation.
type impl struct {
	name string
	file func(l *netLab, t *testing.T, from, src, to string)
	exec func(l *netLab, t *testing.T, from, to string, body string, args ...string)
	freq func(l *netLab, t *testing.T, from, to, src, dst string)
	ack  func(l *netLab, t *testing.T, from, to, pkt string)
	toss func(l *netLab, t *testing.T, n string)
}

var ferryImpl = impl{
	name: "ferry",
	file: func(l *netLab, t *testing.T, from, src, to string) { l.ferry(t, from, nil, "file", src, to) },
	exec: func(l *netLab, t *testing.T, from, to, body string, args ...string) {
		l.ferry(t, from, []byte(body), append([]string{"exec", to}, args...)...)
	},
	freq: func(l *netLab, t *testing.T, from, to, src, dst string) {
		l.ferry(t, from, nil, "freq", to+":"+src, dst)
	},
	ack: func(l *netLab, t *testing.T, from, to, pkt string) {
		l.ferry(t, from, nil, "ack", "--node", to, "--pkt", pkt)
	},
	toss: func(l *netLab, t *testing.T, n string) { l.ferry(t, n, nil, "toss") },
}

var nncpImpl = impl{
	name: "nncp",
	file: func(l *netLab, t *testing.T, from, src, to string) { l.nncp(t, from, nil, "nncp-file", src, to) },
	exec: func(l *netLab, t *testing.T, from, to, body string, args ...string) {
		l.nncp(t, from, []byte(body), "nncp-exec", append([]string{to}, args...)...)
	},
	freq: func(l *netLab, t *testing.T, from, to, src, dst string) {
		l.nncp(t, from, nil, "nncp-freq", to+":"+src, dst)
	},
	ack: func(l *netLab, t *testing.T, from, to, pkt string) {
		l.nncp(t, from, nil, "nncp-ack", "-node", to, "-pkt", pkt)
	},
	toss: func(l *netLab, t *testing.T, n string) { l.nncp(t, n, nil, "nncp-toss") },
}

// TestInteropMatrix: every packet type queued by one implementation and
// tossed by the other, both ways.
func TestInteropMatrix(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-toss")
	for _, pair := range [][2]impl{{ferryImpl, nncpImpl}, {nncpImpl, ferryImpl}} {
		snd, rcv := pair[0], pair[1]
		t.Run(snd.name+"-to-"+rcv.name, func(t *testing.T) {
			l := newNetLab(t)
			mustWrite(t, l.path("src.txt"), []byte("a file\n"), 0o644)
			snd.file(l, t, "alice", l.path("src.txt"), "bob:dir/got.txt")
			snd.exec(l, t, "alice", "bob", "mail body\n", "handler", "to@example")
			mustWrite(t, l.path("bob", "pub", "pub.txt"), []byte("served\n"), 0o644)
			snd.freq(l, t, "alice", "bob", "pub.txt", "fetched.txt")
			if n := l.carry(t, "alice", "bob"); n != 3 {
				t.Fatalf("carried %d packets", n)
			}
			rcv.toss(l, t, "bob")
			if got := l.read(t, "bob", "incoming", "dir", "got.txt"); got != "a file\n" {
				t.Errorf("file: %q", got)
			}
			if got := l.read(t, "bob", "exec-out", "stdin"); got != "mail body\n" {
				t.Errorf("exec body: %q", got)
			}
			if got := l.read(t, "bob", "exec-out", "args"); got != "to@example\n" {
				t.Errorf("exec args: %q", got)
			}
			if env := l.read(t, "bob", "exec-out", "env"); !strings.Contains(env, "NNCP_SENDER="+l.ids["alice"]) {
				t.Errorf("exec env: %q", env)
			}
			// The freq reply comes back, queued by the receiver's side.
			if n := l.carry(t, "bob", "alice"); n != 1 {
				t.Fatalf("freq replies: %d", n)
			}
			snd.toss(l, t, "alice")
			if got := l.read(t, "alice", "incoming", "fetched.txt"); got != "served\n" {
				t.Errorf("freq reply: %q", got)
			}
			if left := l.count(l.queue("bob", "alice", "rx")); left != 0 {
				t.Errorf("%d packets left in bob's rx", left)
			}
			// ACK: alice acks something bob queued; bob's side removes it.
			rcv.file(l, t, "bob", l.path("src.txt"), "alice:acked.txt")
			ents, _ := os.ReadDir(l.queue("bob", "alice", "tx"))
			var pkt string
			for _, e := range ents {
				if len(e.Name()) == 52 {
					pkt = e.Name()
				}
			}
			snd.ack(l, t, "alice", "bob", pkt)
			l.carry(t, "alice", "bob")
			rcv.toss(l, t, "bob")
			if l.count(l.queue("bob", "alice", "tx")) != 0 {
				t.Error("ACK did not clear bob's queue")
			}
		})
	}
}

// TestInteropRelayMix: alice to carol through bob, with the relay being
// the other implementation.
func TestInteropRelayMix(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-toss")
	for _, mix := range [][3]impl{{ferryImpl, nncpImpl, ferryImpl}, {nncpImpl, ferryImpl, nncpImpl}} {
		t.Run(mix[0].name+"-via-"+mix[1].name, func(t *testing.T) {
			l := newNetLab(t)
			mustWrite(t, l.path("src.txt"), []byte("relayed\n"), 0o644)
			mix[0].file(l, t, "alice", l.path("src.txt"), "carol:r.txt")
			if l.carry(t, "alice", "bob") != 1 {
				t.Fatal("nothing queued for bob")
			}
			mix[1].toss(l, t, "bob")
			if l.carry(t, "bob", "carol") != 1 {
				t.Fatal("bob relayed nothing")
			}
			mix[2].toss(l, t, "carol")
			if got := l.read(t, "carol", "incoming", "r.txt"); got != "relayed\n" {
				t.Errorf("carol got %q", got)
			}
		})
	}
}

// TestInteropStat: each side's stat reads the other's spool.
func TestInteropStat(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-stat")
	l := newNetLab(t)
	mustWrite(t, l.path("src.txt"), []byte("x"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src.txt"), "bob:")
	l.nncp(t, "alice", nil, "nncp-file", "-nice", "F", l.path("src.txt"), "bob:")
	out := string(l.nncp(t, "alice", nil, "nncp-stat"))
	if !strings.Contains(out, "nice:   B") || !strings.Contains(out, "nice:   F") {
		t.Errorf("nncp-stat does not see both packets:\n%s", out)
	}
	r := l.ferry(t, "alice", nil, "stat", "--json")
	if !strings.Contains(string(r.stdout), `"nice": 32`) || !strings.Contains(string(r.stdout), `"nice": 224`) {
		t.Errorf("ferry stat does not see both packets:\n%s", r.stdout)
	}
}
