package toss_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

var vecDir = labtest.VecDir()

// lab is the vectors' three-node lab with ferry's packages on each node.
type lab struct {
	dir   string
	cfgs  map[string]*cfg.Config
	spool map[string]*spool.Spool
	logs  map[string]*bytes.Buffer
}

func newLab(t testing.TB) *lab {
	t.Helper()
	l := &lab{dir: labtest.New(t), cfgs: map[string]*cfg.Config{}, spool: map[string]*spool.Spool{}, logs: map[string]*bytes.Buffer{}}
	for _, n := range labtest.Nodes {
		c, sp := labnode.Open(t, n, l.dir)
		l.cfgs[n], l.spool[n], l.logs[n] = c, sp, &bytes.Buffer{}
	}
	return l
}

func (l *lab) id(n string) packet.ID         { return l.cfgs[n].Self.ID }
func (l *lab) path(p ...string) string       { return filepath.Join(append([]string{l.dir}, p...)...) }
func (l *lab) q(n string) *outbox.Outbox     { return &outbox.Outbox{Spool: l.spool[n], Cfg: l.cfgs[n]} }
func (l *lab) node(n, peer string) *cfg.Node { return l.cfgs[n].Neigh[peer] }

// put stores data in node's spool as SPOOL/<peer>/<xx>/<MTH>.
func (l *lab) put(t testing.TB, node, peer string, xx spool.XX, data []byte) packet.ID {
	t.Helper()
	id, _, err := l.spool[node].CopyIn(bytes.NewReader(data), l.id(peer), xx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (l *lab) toss(t testing.TB, node string, opt toss.Options) (toss.Result, error) {
	t.Helper()
	opt.Log = slog.New(slog.NewTextHandler(l.logs[node], nil))
	return toss.Toss(context.Background(), l.spool[node], l.cfgs[node], opt)
}

func (l *lab) jobs(t testing.TB, node, peer string, xx spool.XX) []spool.Job {
	t.Helper()
	j, _, err := l.spool[node].Jobs(l.id(peer), xx)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// move takes every packet node queued for peer and puts it in peer's rx.
func (l *lab) move(t testing.TB, node, peer string) int {
	t.Helper()
	jobs := l.jobs(t, node, peer, spool.TX)
	for _, j := range jobs {
		l.put(t, peer, node, spool.RX, l.read(t, node, j))
		if err := l.spool[node].Remove(j.Node, spool.TX, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	return len(jobs)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// read returns the content of a queued packet of node.
func (l *lab) read(t testing.TB, node string, j spool.Job) []byte {
	t.Helper()
	f, err := l.spool[node].Open(j.Node, j.XX, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rxDir is node's rx queue of packets from peer where NNCP's layout puts
// it: for tests that plant files there as another tool would.
func (l *lab) rxDir(node, peer string) string {
	return filepath.Join(l.cfgs[node].Spool, l.id(peer).String(), "rx")
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type vector struct {
	Case      string `json:"case"`
	File      string `json:"file"`
	Sender    string `json:"sender"`
	Recipient string `json:"recipient"`
	Packets   []struct {
		File string `json:"file"`
	} `json:"packets"`
	Expect map[string]any `json:"expect"`
}

func vectors(t testing.TB) map[string]vector {
	var m struct{ Vectors []vector }
	if err := json.Unmarshal(readFile(t, filepath.Join(vecDir, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]vector{}
	for _, v := range m.Vectors {
		out[v.Case] = v
	}
	return out
}
