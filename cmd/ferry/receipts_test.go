package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// markFerry adds neigh.NAME.ferry: true for each node of names in n's
// config: n then sends those nodes receipts with reasons.
func (l *netLab) markFerry(t *testing.T, n string, names ...string) {
	t.Helper()
	b, err := os.ReadFile(l.cfg(n))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, name := range names {
		re := regexp.MustCompile(`(?m)^(      id: ` + l.ids[name] + `)$`)
		if !re.MatchString(s) {
			t.Fatalf("%s's config has no neigh entry for %s", n, name)
		}
		s = re.ReplaceAllString(s, "$1\n      ferry: true")
	}
	if err := os.WriteFile(l.cfg(n), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// xferHop moves what from has queued to the medium, and the medium into
// to, then lets to toss it: one trip of a USB stick. A toss that refused
// a packet exits 1; the test looks at what it refused elsewhere.
func (l *netLab) xferHop(t *testing.T, from, to string) {
	t.Helper()
	medium := l.path("medium-" + from + "-" + to)
	mustMkdirAll(t, medium)
	l.ferry(t, from, nil, "xfer", "--mkdir", "--tx", medium)
	l.ferry(t, to, nil, "xfer", "--rx", medium)
	if r := ferry(t, nil, "toss", "--cfg", l.cfg(to), "--quiet"); r.code > 1 || (r.code == 1 && !strings.Contains(string(r.stderr), "set aside")) {
		t.Fatalf("toss as %s: exit %d\n%s", to, r.code, r.stderr)
	}
}

type trackRow struct {
	ID     string `json:"id"`
	Final  string `json:"final"`
	Node   string `json:"node"`
	State  string `json:"state"`
	Reason string `json:"reason"`
	Status *int   `json:"status"`
	Hop    string `json:"hop"`
	Queued string `json:"queued"`
	Sent   string `json:"sent"`
	Done   string `json:"done"`
}

func (l *netLab) track(t *testing.T, n string, ids ...string) map[string]trackRow {
	t.Helper()
	r := l.ferry(t, n, nil, append([]string{"track", "--json"}, ids...)...)
	var rows []trackRow
	if err := json.Unmarshal(r.stdout, &rows); err != nil {
		t.Fatalf("track --json: %v\n%s", err, r.stdout)
	}
	out := map[string]trackRow{}
	for _, row := range rows {
		out[row.ID] = row
	}
	return out
}

func printedID(t *testing.T, r result) string {
	t.Helper()
	id := strings.TrimSpace(string(r.stdout))
	if len(id) != 52 {
		t.Fatalf("--print-id printed %q", r.stdout)
	}
	return id
}

// receiptLab marks alice, bob and carol as ferry to each other and has
// alice queue for carol (via bob) a file, a command, a command of a
// handle carol does not list and a file request; it returns their ids.
func receiptLab(t *testing.T) (l *netLab, file, exec, bad, freq string) {
	t.Helper()
	l = newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	mustWrite(t, l.path("src.txt"), []byte("hello carol\n"), 0o644)
	mustWrite(t, l.path("carol", "pub", "wanted.txt"), []byte("from carol\n"), 0o644)
	file = printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:r.txt"))
	exec = printedID(t, l.ferry(t, "alice", []byte("body"), "exec", "--print-id", "carol", "handler", "a1"))
	bad = printedID(t, l.ferry(t, "alice", []byte("body"), "exec", "--print-id", "carol", "nosuch"))
	freq = printedID(t, l.ferry(t, "alice", nil, "freq", "--print-id", "carol:wanted.txt", "got.txt"))
	return l, file, exec, bad, freq
}

// TestReceiptsOverXfer: alice sends carol, through bob, a file, a
// command, a command of a handle carol does not list and a file
// request; USB trips carry them there and the receipts back. With no
// step of its own, alice's ferry track ends with each delivered, and the
// unlisted command failed with carol's reason.
func TestReceiptsOverXfer(t *testing.T) {
	t.Parallel()
	l, file, exec, bad, freq := receiptLab(t)
	ids := []string{file, exec, bad, freq}
	for id, row := range l.track(t, "alice") {
		if row.State != "queued" || row.Node != "carol" {
			t.Errorf("%s before any trip: %+v, want queued for carol", id, row)
		}
	}
	if got := len(l.track(t, "alice")); got != 4 {
		t.Fatalf("alice tracks %d messages, want 4", got)
	}

	l.xferHop(t, "alice", "bob")
	for _, id := range ids {
		if row := l.track(t, "alice", id)[id]; row.State != "sent" || row.Hop != "xfer" {
			t.Errorf("%s after the first trip: %+v, want sent by xfer", id, row)
		}
	}
	l.xferHop(t, "bob", "carol")
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "hello carol\n" {
		t.Fatalf("carol got %q", got)
	}
	l.xferHop(t, "carol", "bob")
	l.xferHop(t, "bob", "alice")

	rows := l.track(t, "alice", ids...)
	for _, id := range []string{file, exec, freq} {
		if rows[id].State != "delivered" {
			t.Errorf("%s: %+v, want delivered", id, rows[id])
		}
	}
	if rows[exec].Status == nil || *rows[exec].Status != 0 {
		t.Errorf("exec: status %v, want 0", rows[exec].Status)
	}
	if rows[bad].State != "failed" || !strings.Contains(rows[bad].Reason, `handle "nosuch" is not listed`) {
		t.Errorf("unlisted handle: %+v, want failed naming the handle", rows[bad])
	}
	if got := l.read(t, "alice", "incoming", "got.txt"); got != "from carol\n" {
		t.Errorf("freq answer: %q", got)
	}
	// Receipts get no receipts: nothing is left to travel but alice's
	// receipt for the file carol sent in answer to the freq.
	if n := l.count(l.queue("alice", "bob", "tx")); n != 1 {
		t.Errorf("alice has %d packets for bob, want the one receipt", n)
	}
	for _, q := range [][2]string{{"bob", "alice"}, {"bob", "carol"}, {"carol", "bob"}} {
		if n := l.count(l.queue(q[0], q[1], "tx")); n != 0 {
			t.Errorf("%s still has %d packets for %s", q[0], n, q[1])
		}
	}
	// --wait returns at once on settled messages: 0 when all were
	// delivered, 1 when one failed.
	if r := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--quiet", "--wait", "--timeout", "30s", file, exec, freq); r.code != 0 {
		t.Errorf("track --wait on delivered messages: exit %d\n%s", r.code, r.stderr)
	}
	if r := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--quiet", "--wait", "--timeout", "30s", file, bad); r.code != 1 {
		t.Errorf("track --wait with a failed message: exit %d, want 1\n%s", r.code, r.stderr)
	}
}

// callBob makes node call bob's daemon at addr and checks the call
// finished cleanly.
func (l *netLab) callBob(t *testing.T, node, addr string) {
	t.Helper()
	if out, err := callCmd(l, "ferry", node, "bob", addr).CombinedOutput(); err != nil {
		t.Fatalf("%s calls bob: %v\n%s", node, err, out)
	}
}

// tossAllowRefused tosses n, where a refused packet (exit 1, naming it
// set aside) is expected.
func (l *netLab) tossAllowRefused(t *testing.T, n string, flags ...string) {
	t.Helper()
	if r := ferry(t, nil, append([]string{"toss", "--cfg", l.cfg(n), "--quiet"}, flags...)...); r.code > 1 || (r.code == 1 && !strings.Contains(string(r.stderr), "set aside")) {
		t.Fatalf("toss as %s: exit %d\n%s", n, r.code, r.stderr)
	}
}

// TestReceiptsOverCalls: the same as TestReceiptsOverXfer, moved by
// real calls to bob's ferry daemon on 127.0.0.1.
func TestReceiptsOverCalls(t *testing.T) {
	t.Parallel()
	l, file, exec, bad, freq := receiptLab(t)

	_, addr := startDaemon(t, l, "ferry", "bob")
	l.callBob(t, "alice", addr)
	for _, id := range []string{file, exec, bad, freq} {
		if row := l.track(t, "alice", id)[id]; row.State != "sent" || row.Hop != "call" {
			t.Errorf("%s after alice's call: %+v, want sent by call", id, row)
		}
	}
	l.ferry(t, "bob", nil, "toss")
	l.callBob(t, "carol", addr) // carol takes the messages
	l.tossAllowRefused(t, "carol")
	l.callBob(t, "carol", addr) // and hands bob the receipts
	l.ferry(t, "bob", nil, "toss")
	l.callBob(t, "alice", addr)
	l.ferry(t, "alice", nil, "toss")

	rows := l.track(t, "alice", file, exec, bad, freq)
	for _, id := range []string{file, exec, freq} {
		if rows[id].State != "delivered" {
			t.Errorf("%s: %+v, want delivered", id, rows[id])
		}
	}
	if rows[bad].State != "failed" || !strings.Contains(rows[bad].Reason, `handle "nosuch" is not listed`) {
		t.Errorf("unlisted handle: %+v, want failed naming the handle", rows[bad])
	}
	if got := l.read(t, "carol", "exec-out", "args"); got != "a1\n" {
		t.Errorf("carol's handler got %q", got)
	}
}

// TestReceiptExpired: a message that cannot arrive (nobody carries it)
// expires; its packet, still queued, is removed with a log line, and
// --wait reports the failure.
func TestReceiptExpired(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	mustWrite(t, l.path("src.txt"), []byte("never\n"), 0o644)
	// 1ns has passed by the time anything looks: no clock decides this.
	id := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", "--expire", "1ns", l.path("src.txt"), "carol:x.txt"))
	keep := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:y.txt"))
	if n := l.count(l.queue("alice", "bob", "tx")); n != 2 {
		t.Fatalf("%d packets queued for bob, want 2", n)
	}
	r := ferry(t, nil, "track", "--cfg", l.cfg("alice"), "--wait", "--timeout", "30s", id)
	if r.code != 1 {
		t.Fatalf("track --wait on an expired message: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(string(r.stderr), "message expired without a receipt; its packet was still queued here and is removed") {
		t.Errorf("no log line for the removed packet:\n%s", r.stderr)
	}
	rows := l.track(t, "alice")
	if rows[id].State != "expired" || rows[keep].State != "queued" {
		t.Errorf("states: %+v and %+v, want expired and queued", rows[id], rows[keep])
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 1 {
		t.Errorf("%d packets queued for bob, want only the one without a lifetime", n)
	}
	// The per-node default does the same, and a toss applies it too.
	b, _ := os.ReadFile(l.cfg("alice"))
	mustWrite(t, l.cfg("alice"), []byte(strings.Replace(string(b), "      id: "+l.ids["carol"], "      id: "+l.ids["carol"]+"\n      ferry-expire: 1ns", 1)), 0o600)
	third := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:z.txt"))
	l.ferry(t, "alice", nil, "toss")
	if row := l.track(t, "alice", third)[third]; row.State != "expired" {
		t.Errorf("with ferry-expire: %+v, want expired", row)
	}
}

// TestReceiptsNNCPRelay: NNCP 8.8.2 relays the message and its receipt
// like any packet; alice's record ends delivered.
func TestReceiptsNNCPRelay(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-toss")
	l := newNetLab(t)
	l.markFerry(t, "alice", "carol")
	l.markFerry(t, "carol", "alice")
	mustWrite(t, l.path("src.txt"), []byte("through nncp\n"), 0o644)
	id := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:r.txt"))
	for _, hop := range [][3]string{{"alice", "bob", "nncp"}, {"bob", "carol", "ferry"}, {"carol", "bob", "nncp"}, {"bob", "alice", "ferry"}} {
		if l.carry(t, hop[0], hop[1]) != 1 {
			t.Fatalf("%s had nothing for %s", hop[0], hop[1])
		}
		if hop[2] == "nncp" {
			l.nncp(t, hop[1], nil, "nncp-toss")
		} else {
			l.ferry(t, hop[1], nil, "toss")
		}
	}
	if row := l.track(t, "alice", id)[id]; row.State != "delivered" {
		t.Errorf("through an NNCP relay: %+v, want delivered", row)
	}
}

// TestReceiptsNNCPDestination: NNCP 8.8.2 at the destination sends no
// receipt: the message stays sent, never delivered.
func TestReceiptsNNCPDestination(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-toss")
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob")
	mustWrite(t, l.path("src.txt"), []byte("to nncp\n"), 0o644)
	id := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:r.txt"))
	l.xferHop(t, "alice", "bob")
	if l.carry(t, "bob", "carol") != 1 {
		t.Fatal("bob relayed nothing")
	}
	l.nncp(t, "carol", nil, "nncp-toss")
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "to nncp\n" {
		t.Fatalf("carol got %q", got)
	}
	if n := l.count(l.queue("carol", "bob", "tx")); n != 0 {
		t.Fatalf("NNCP queued %d packets back", n)
	}
	l.ferry(t, "alice", nil, "toss")
	if row := l.track(t, "alice", id)[id]; row.State != "sent" {
		t.Errorf("to an NNCP destination: %+v, want sent", row)
	}
}

// TestReceiptsNNCPOrigin: what ferry sends an NNCP origin tosses cleanly
// with the real nncp-toss: no error in its log, nothing left in its rx.
// Carol answers with the plain ACK of --gen-ack, and, were alice wrongly
// marked as ferry, with a receipt's body: NNCP 8.8.2 takes both as ACKs
// of a packet it does not hold.
func TestReceiptsNNCPOrigin(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-toss")
	for _, c := range []struct {
		name      string
		markFerry bool
		tossFlags []string
		want      int // packets carol sends back
	}{
		{"plain", false, nil, 0},
		{"gen-ack", false, []string{"--gen-ack"}, 1}, // the file's plain ACK; nothing for the refused exec
		{"marked ferry by mistake", true, nil, 2},    // a receipt each, with bodies
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newNetLab(t)
			if c.markFerry {
				l.markFerry(t, "carol", "alice")
			}
			mustWrite(t, l.path("src.txt"), []byte("from nncp\n"), 0o644)
			l.nncp(t, "alice", nil, "nncp-file", l.path("src.txt"), "carol:r.txt")
			l.nncp(t, "alice", []byte("body"), "nncp-exec", "carol", "nosuch") // refused by carol
			l.carry(t, "alice", "bob")
			l.ferry(t, "bob", nil, "toss")
			l.carry(t, "bob", "carol")
			l.tossAllowRefused(t, "carol", c.tossFlags...)
			if got := l.read(t, "carol", "incoming", "r.txt"); got != "from nncp\n" {
				t.Fatalf("carol got %q", got)
			}
			n := l.carry(t, "carol", "bob")
			if n != c.want {
				t.Fatalf("carol sent %d packets back, want %d", n, c.want)
			}
			if n == 0 {
				return
			}
			l.ferry(t, "bob", nil, "toss")
			l.carry(t, "bob", "alice")
			logBefore, _ := os.ReadFile(l.path("alice", "log"))
			l.nncp(t, "alice", nil, "nncp-toss")
			logAfter, _ := os.ReadFile(l.path("alice", "log"))
			added := strings.TrimPrefix(string(logAfter), string(logBefore))
			if strings.Contains(added, "Err") || strings.Contains(strings.ToLower(added), "error") {
				t.Errorf("nncp-toss logged an error:\n%s", added)
			}
			if n := l.count(l.queue("alice", "bob", "rx")); n != 0 {
				t.Errorf("%d packets left in alice's rx", n)
			}
			t.Logf("nncp-toss log:\n%s", added)
		})
	}
}

// TestReceiptsNNCPDestinationACK: an NNCP destination that ACKs what it
// received to its sender (8.9's toss -gen-ack; with 8.8.2, nncp-ack
// before the toss) settles the message as delivered.
func TestReceiptsNNCPDestinationACK(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-ack")
	l := newNetLab(t)
	mustWrite(t, l.path("src.txt"), []byte("acked by nncp\n"), 0o644)
	id := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", "--via", "-", l.path("src.txt"), "carol:r.txt"))
	if l.carry(t, "alice", "carol") != 1 {
		t.Fatal("nothing queued for carol")
	}
	l.nncp(t, "carol", nil, "nncp-ack", "-node", "alice")
	l.nncp(t, "carol", nil, "nncp-toss")
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "acked by nncp\n" {
		t.Fatalf("carol got %q", got)
	}
	if row := l.track(t, "alice", id)[id]; row.State != "queued" {
		t.Fatalf("before the ACK: %+v", row)
	}
	if l.carry(t, "carol", "bob") != 1 { // carol's route to alice is via bob
		t.Fatal("carol's ACK is not queued for bob")
	}
	l.ferry(t, "bob", nil, "toss")
	l.carry(t, "bob", "alice")
	l.ferry(t, "alice", nil, "toss")
	if row := l.track(t, "alice", id)[id]; row.State != "delivered" {
		t.Errorf("after the NNCP destination's ACK: %+v, want delivered", row)
	}
}

// TestReceiptsOverBundle: bundles carry the message and the receipt;
// alice's copy, kept because bundle --tx keeps what it writes, goes once
// the receipt confirms the message arrived at carol, two hops away.
func TestReceiptsOverBundle(t *testing.T) {
	t.Parallel()
	l := newNetLab(t)
	l.markFerry(t, "alice", "bob", "carol")
	l.markFerry(t, "bob", "alice", "carol")
	l.markFerry(t, "carol", "alice", "bob")
	mustWrite(t, l.path("src.txt"), []byte("bundled\n"), 0o644)
	id := printedID(t, l.ferry(t, "alice", nil, "file", "--print-id", l.path("src.txt"), "carol:r.txt"))
	hop := func(from, to string) {
		t.Helper()
		stream := l.ferry(t, from, nil, "bundle", "--tx", to).stdout
		l.ferry(t, to, stream, "bundle", "--rx")
		l.ferry(t, to, nil, "toss")
	}
	hop("alice", "bob")
	if row := l.track(t, "alice", id)[id]; row.State != "sent" || row.Hop != "bundle" {
		t.Errorf("after the bundle: %+v, want sent by bundle", row)
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 1 {
		t.Fatalf("alice keeps %d packets, want the bundled one", n)
	}
	hop("bob", "carol")
	if got := l.read(t, "carol", "incoming", "r.txt"); got != "bundled\n" {
		t.Fatalf("carol got %q", got)
	}
	hop("carol", "bob")
	hop("bob", "alice")
	if row := l.track(t, "alice", id)[id]; row.State != "delivered" {
		t.Errorf("after the receipt: %+v, want delivered", row)
	}
	if n := l.count(l.queue("alice", "bob", "tx")); n != 0 {
		t.Errorf("alice still keeps %d packets for bob after the receipt", n)
	}
}
