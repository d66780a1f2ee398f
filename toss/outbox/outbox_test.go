package outbox_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// lab is the vectors' three nodes (alice reaches carol via bob) with a
// spool each in a temporary directory.
type lab struct {
	dir   string
	cfgs  map[string]*cfg.Config
	spool map[string]*spool.Spool
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{dir: t.TempDir(), cfgs: map[string]*cfg.Config{}, spool: map[string]*spool.Spool{}}
	for _, n := range labtest.Nodes {
		l.cfgs[n], l.spool[n] = labnode.Open(t, n, l.dir)
	}
	return l
}

func (l *lab) outbox(n string) *outbox.Outbox {
	return &outbox.Outbox{Spool: l.spool[n], Cfg: l.cfgs[n]}
}

// opened is one packet as its final recipient reads it.
type opened struct {
	hops  []string // who decrypted a layer, first hop first
	plain packet.PlainHeader
	body  []byte
}

// open reads alice's queued packet q layer by layer, each layer with the
// keys of the node it is addressed to, until a layer that is not transit.
func (l *lab) open(t *testing.T, from string, q outbox.Queued) opened {
	t.Helper()
	f, err := l.spool[from].OpenStream(q.Node, spool.TX, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	var r io.Reader = f
	var out opened
	for {
		hdr := make([]byte, packet.EncHeaderSize)
		if _, err := io.ReadFull(r, hdr); err != nil {
			t.Fatal(err)
		}
		eh, err := packet.ParseEncHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		me := l.holder(t, eh.Recipient)
		pr, err := packet.NewReader(io.MultiReader(bytes.NewReader(hdr), r), l.cfgs[me].Self.Identity(), l.cfgs[me].Lookup, packet.ReadOptions{})
		if err != nil {
			t.Fatalf("layer for %s: %v", me, err)
		}
		body, err := io.ReadAll(pr)
		if err != nil {
			t.Fatalf("layer for %s: %v", me, err)
		}
		out.hops = append(out.hops, me)
		if pr.Plain().Type != packet.TypeTrns {
			out.plain, out.body = pr.Plain(), body
			return out
		}
		r = bytes.NewReader(body)
	}
}

// holder names the lab node whose self id is id.
func (l *lab) holder(t *testing.T, id packet.ID) string {
	for n, c := range l.cfgs {
		if c.Self.ID == id {
			return n
		}
	}
	t.Fatalf("no lab node has id %s", id)
	return ""
}

func TestRoute(t *testing.T) {
	l := newLab(t)
	ob := l.outbox("alice")
	bob, carol := l.cfgs["alice"].Neigh["bob"], l.cfgs["alice"].Neigh["carol"]
	direct, unknown := []packet.ID{}, []packet.ID{{1, 2, 3}}
	for _, c := range []struct {
		name string
		to   *cfg.Node
		via  *[]packet.ID
		want []packet.ID // nil: an error
	}{
		{"neighbour", bob, nil, []packet.ID{bob.ID}},
		{"configured via", carol, nil, []packet.ID{bob.ID, carol.ID}},
		{"via overridden to none", carol, &direct, []packet.ID{carol.ID}},
		{"unknown hop", carol, &unknown, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			route, err := ob.Route(c.to, c.via)
			if c.want == nil {
				if err == nil {
					t.Fatalf("route %v, want an error", route)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []packet.ID
			for _, p := range route {
				got = append(got, p.ID)
			}
			if !slicesEqual(got, c.want) {
				t.Fatalf("route %v, want %v", got, c.want)
			}
		})
	}
}

func slicesEqual(a, b []packet.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPackets(t *testing.T) {
	l := newLab(t)
	src := filepath.Join(l.dir, "src.txt")
	if err := os.WriteFile(src, []byte("hello outbox\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(l.dir, "tree")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "a"), []byte("in a tree"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789"), 250) // 2500 bytes: three chunks of 1 KiB
	bigSrc := filepath.Join(l.dir, "big")
	if err := os.WriteFile(bigSrc, big, 0o644); err != nil {
		t.Fatal(err)
	}
	ac := l.cfgs["alice"]
	bob, carol := ac.Neigh["bob"], ac.Neigh["carol"]
	toBob := outbox.Dest{Node: bob}
	inner := l.outbox("bob") // bob queues a packet for alice, wrapped below by Trns
	for _, c := range []struct {
		name  string
		queue func(ob *outbox.Outbox) ([]outbox.Queued, error)
		// check looks at every packet queued, as its recipient reads it.
		check func(t *testing.T, got []opened)
	}{
		{"file", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), toBob, src, "dst.txt", outbox.FileOptions{})
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob", packet.TypeFile, "dst.txt", "hello outbox\n")
		}},
		{"file from the stdin reader", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), toBob, "-", "in.txt", outbox.FileOptions{Stdin: strings.NewReader("from a reader")})
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob", packet.TypeFile, "in.txt", "from a reader")
		}},
		{"file via a relay", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), outbox.Dest{Node: carol}, src, "far.txt", outbox.FileOptions{})
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob,carol", packet.TypeFile, "far.txt", "hello outbox\n")
		}},
		{"directory as a pax archive", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), toBob, dir, "", outbox.FileOptions{})
		}, func(t *testing.T, got []opened) {
			if len(got) != 1 || string(got[0].plain.Path) != "tree.tar" {
				t.Fatalf("got %d packets, want one tree.tar", len(got))
			}
			names := tarNames(t, got[0].body)
			if strings.Join(names, " ") != "tree/ tree/sub/ tree/sub/a" {
				t.Fatalf("archive holds %v", names)
			}
		}},
		{"file in chunks", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), toBob, bigSrc, "big.bin", outbox.FileOptions{Chunked: 1024})
		}, func(t *testing.T, got []opened) {
			if len(got) != 4 {
				t.Fatalf("%d packets, want 3 chunks and a meta", len(got))
			}
			var joined []byte
			for i, o := range got[:3] {
				if want := "big.bin.nncp.chunk" + string(rune('0'+i)); string(o.plain.Path) != want {
					t.Fatalf("chunk %d is %q, want %q", i, o.plain.Path, want)
				}
				joined = append(joined, o.body...)
			}
			if !bytes.Equal(joined, big) {
				t.Fatal("chunks do not add up to the file")
			}
			m, err := packet.ParseMeta(got[3].body)
			if err != nil || string(got[3].plain.Path) != "big.bin.nncp.meta" {
				t.Fatalf("meta %q: %v", got[3].plain.Path, err)
			}
			if m.FileSize != uint64(len(big)) || m.ChunkSize != 1024 || len(m.Checksums) != 3 {
				t.Fatalf("meta says %d bytes in %d chunks of %d", m.FileSize, len(m.Checksums), m.ChunkSize)
			}
		}},
		{"directory in chunks", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			return ob.File(t.Context(), toBob, dir, "t.tar", outbox.FileOptions{Chunked: 1024})
		}, func(t *testing.T, got []opened) {
			var joined []byte
			for _, o := range got[:len(got)-1] {
				joined = append(joined, o.body...)
			}
			if names := tarNames(t, joined); len(names) != 3 {
				t.Fatalf("archive from chunks holds %v", names)
			}
			if string(got[len(got)-1].plain.Path) != "t.tar.nncp.meta" {
				t.Fatalf("last packet %q, want the meta", got[len(got)-1].plain.Path)
			}
		}},
		{"exec, compressed", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			q, err := ob.Exec(t.Context(), toBob, "sendmail", []string{"a@b"}, strings.NewReader("mail body"), false, 96, outbox.Options{})
			return []outbox.Queued{q}, err
		}, func(t *testing.T, got []opened) {
			if len(got) != 1 || got[0].plain.Type != packet.TypeExec || string(got[0].plain.Path) != "sendmail\x00a@b" || got[0].plain.Nice != 96 {
				t.Fatalf("exec packet %+v", got)
			}
			z, err := packet.NewExecDecompressor(bytes.NewReader(got[0].body))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = z.Close() }() // read only
			if b, err := io.ReadAll(z); err != nil || string(b) != "mail body" {
				t.Fatalf("exec body %q: %v", b, err)
			}
		}},
		{"exec, not compressed", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			q, err := ob.Exec(t.Context(), toBob, "sendmail", nil, strings.NewReader("plain"), true, 96, outbox.Options{})
			return []outbox.Queued{q}, err
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob", packet.TypeExecFat, "sendmail", "plain")
		}},
		{"freq", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			q, err := ob.Freq(t.Context(), bob, "pub/file", "here.txt", 64, outbox.Options{})
			return []outbox.Queued{q}, err
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob", packet.TypeFreq, "pub/file", "here.txt")
		}},
		{"ack", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			q, err := ob.ACK(t.Context(), bob, packet.ID{7}, outbox.Options{})
			return []outbox.Queued{q}, err
		}, func(t *testing.T, got []opened) {
			id := packet.ID{7}
			want(t, got, 1, "bob", packet.TypeACK, string(id[:]), "")
		}},
		{"trns of a packet bob made for alice", func(ob *outbox.Outbox) ([]outbox.Queued, error) {
			// bob's packet for alice, carried to alice by alice's own outbox:
			// the transit layer is for alice, the packet inside too.
			q, err := inner.File(t.Context(), outbox.Dest{Node: l.cfgs["bob"].Neigh["alice"]}, src, "back.txt", outbox.FileOptions{})
			if err != nil {
				return nil, err
			}
			f, err := l.spool["bob"].OpenStream(q[0].Node, spool.TX, q[0].ID)
			if err != nil {
				return nil, err
			}
			defer func() { _ = f.Close() }() // read only
			pkt, err := io.ReadAll(f)
			if err != nil {
				return nil, err
			}
			r, err := ob.Trns(t.Context(), l.cfgs["alice"].Neigh["self"], []packet.ID{bob.ID}, bytes.NewReader(pkt), outbox.Options{})
			return []outbox.Queued{r}, err
		}, func(t *testing.T, got []opened) {
			want(t, got, 1, "bob,alice", packet.TypeFile, "back.txt", "hello outbox\n")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			qs, err := c.queue(l.outbox("alice"))
			if err != nil {
				t.Fatal(err)
			}
			var got []opened
			for _, q := range qs {
				got = append(got, l.open(t, "alice", q))
			}
			c.check(t, got)
		})
	}
}

// want checks that got is n packets, the first read through hops, of
// type typ with path and body.
func want(t *testing.T, got []opened, n int, hops string, typ packet.Type, path, body string) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d packets, want %d", len(got), n)
	}
	o := got[0]
	if h := strings.Join(o.hops, ","); h != hops {
		t.Errorf("read through %s, want %s", h, hops)
	}
	if o.plain.Type != typ || string(o.plain.Path) != path || string(o.body) != body {
		t.Errorf("got %s %q %q, want %s %q %q", o.plain.Type, o.plain.Path, o.body, typ, path, body)
	}
}

func tarNames(t *testing.T, b []byte) []string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// TestSendArea: an area message sits in our own tx queue, encrypted to
// ourselves, and carries the message encrypted to the area; our seen
// marker is made first.
func TestSendArea(t *testing.T) {
	l := newLab(t)
	ac := l.cfgs["alice"]
	area := ac.Areas["testarea"]
	q, err := l.outbox("alice").SendArea(t.Context(), area, packet.PlainHeader{Type: packet.TypeFile, Path: []byte("a.txt")},
		func(w io.Writer) error { _, err := io.WriteString(w, "to the area"); return err }, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.Node != ac.Self.ID {
		t.Fatalf("queued for %s, want our own tx queue", q.Node)
	}
	o := l.open(t, "alice", q)
	if o.plain.Type != packet.TypeArea || !bytes.HasPrefix(o.plain.Path, area.ID[:]) {
		t.Fatalf("outer layer %s %x, want an area packet for %s", o.plain.Type, o.plain.Path, area.ID)
	}
	pr, err := packet.NewReader(bytes.NewReader(o.body), area.Identity(), ac.Lookup, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(pr)
	if err != nil || string(body) != "to the area" || string(pr.Plain().Path) != "a.txt" {
		t.Fatalf("area message %q %q: %v", pr.Plain().Path, body, err)
	}
	if !l.spool["alice"].AreaSeen(ac.Self.ID, area.ID, packet.MsgHash(o.body[:packet.EncHeaderSize])) {
		t.Fatal("no seen marker for our own message")
	}
}

// TestRefusals: what the outbox will not make, with the error that says why.
func TestRefusals(t *testing.T) {
	l := newLab(t)
	ob := l.outbox("alice")
	bob := l.cfgs["alice"].Neigh["bob"]
	noKeys := &outbox.Outbox{Spool: l.spool["alice"], Cfg: &cfg.Config{Neigh: l.cfgs["alice"].Neigh, ByID: l.cfgs["alice"].ByID}}
	for _, c := range []struct {
		name string
		try  func() error
		is   error // nil: any error
	}{
		{"no private keys", func() error {
			_, err := noKeys.ACK(t.Context(), bob, packet.ID{}, outbox.Options{})
			return err
		}, cfg.ErrNoPrivateKeys},
		{"stdin without a reader", func() error {
			_, err := ob.File(t.Context(), outbox.Dest{Node: bob}, "-", "x", outbox.FileOptions{})
			return err
		}, nil},
		{"trns without relays", func() error {
			_, err := ob.Trns(t.Context(), bob, nil, strings.NewReader(""), outbox.Options{})
			return err
		}, nil},
		{"cancelled context", func() error {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := ob.File(ctx, outbox.Dest{Node: bob}, "-", "x", outbox.FileOptions{Stdin: strings.NewReader("never queued")})
			return err
		}, context.Canceled},
		{"freq without a source", func() error {
			_, err := ob.Freq(t.Context(), bob, "", "x", 0, outbox.Options{})
			return err
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.try()
			if err == nil || c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("got %v, want %v", err, c.is)
			}
		})
	}
	if n := countTx(t, l.spool["alice"], bob.ID); n != 0 {
		t.Fatalf("%d packets queued by refused requests", n)
	}
	if left, err := l.spool["alice"].Clean(nil, spool.TmpFiles, spool.CleanOptions{DryRun: true}); err != nil || left != 0 {
		t.Fatalf("tmp holds %d files after refused requests (%v)", left, err)
	}
}

func countTx(t *testing.T, sp *spool.Spool, node packet.ID) int {
	t.Helper()
	jobs, bad, err := sp.Jobs(node, spool.TX)
	if err != nil || len(bad) > 0 {
		t.Fatalf("listing: %v, %d bad files", err, len(bad))
	}
	return len(jobs)
}
