package outbox_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// Every way of queueing stays within the tx quota of the queue the
// packet goes into: refused at once when the size is known, at the
// commit when it is not, a chunked send taken back whole, and the
// refusal says which quota and by how much. Nothing refused is left in
// tx or tmp.
func TestTxQuota(t *testing.T) {
	l := newLab(t)
	c := l.cfgs["alice"]
	bob, carol := c.Neigh["bob"], c.Neigh["carol"]
	bob.Quota = cfg.Quota{TX: cfg.Limit{Bytes: 10 << 10, Packets: 3}}
	ob := l.outbox("alice")
	sp := l.spool["alice"]
	src := func(name string, size int) string {
		p := filepath.Join(l.dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, size), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	queued := func() int {
		jobs, _, err := sp.Jobs(bob.ID, spool.TX)
		if err != nil {
			t.Fatal(err)
		}
		return len(jobs)
	}
	refused := func(err error, want string) error {
		if !errors.Is(err, spool.ErrQuotaFull) || !strings.HasPrefix(err.Error(), want) {
			return errors.New("want an error starting " + want + ", got " + errString(err))
		}
		return nil
	}
	toBob, toCarol := outbox.Dest{Node: bob}, outbox.Dest{Node: carol}
	steps := []struct {
		name  string
		do    func() error
		count int // bob's tx queue afterwards
	}{
		{"a file larger than the quota is refused before it is read", func() error {
			_, err := ob.File(t.Context(), toBob, src("big", 20<<10), "big", outbox.FileOptions{})
			return refused(err, "queue file for bob: tx quota full: 0 B of 10 KiB queued, needs 20 KiB")
		}, 0},
		{"a chunked file is checked with all its chunks", func() error {
			_, err := ob.File(t.Context(), toBob, src("six", 6<<10), "six", outbox.FileOptions{Chunked: 2 << 10})
			return refused(err, "queue file for bob: tx quota full: 0 of 3 packets queued, needs 4 more")
		}, 0},
		{"a small file fits", func() error {
			_, err := ob.File(t.Context(), toBob, src("small", 3<<10), "small", outbox.FileOptions{})
			return err
		}, 1},
		{"a stream of unknown size is refused at its commit", func() error {
			_, err := ob.File(t.Context(), toBob, "-", "stream", outbox.FileOptions{Stdin: bytes.NewReader(bytes.Repeat([]byte{'y'}, 8<<10))})
			return refused(err, "queue file for bob: tx quota full: 3.4 KiB of 10 KiB queued, needs 8.4 KiB")
		}, 1},
		{"a chunked stream that fills the quota midway is taken back", func() error {
			_, err := ob.File(t.Context(), toBob, "-", "chunks", outbox.FileOptions{Chunked: 2 << 10,
				Stdin: bytes.NewReader(bytes.Repeat([]byte{'z'}, 6<<10))})
			return refused(err, "queue file for bob: tx quota full: ")
		}, 1},
		{"a relayed packet counts against the first hop", func() error {
			_, err := ob.File(t.Context(), toCarol, src("far", 4<<10), "far", outbox.FileOptions{})
			return err
		}, 2},
		{"the packet limit holds too", func() error {
			if _, err := ob.Exec(t.Context(), toBob, "sendmail", nil, strings.NewReader("hi"), false, 96, outbox.Options{}); err != nil {
				return err
			}
			_, err := ob.Exec(t.Context(), toBob, "sendmail", nil, strings.NewReader("hi"), false, 96, outbox.Options{})
			return refused(err, "queue exec for bob: tx quota full: 3 of 3 packets queued, needs 1 more")
		}, 3},
		{"via the first hop, the refusal names it", func() error {
			_, err := ob.Freq(t.Context(), carol, "/some/file", "here", 96, outbox.Options{})
			return refused(err, "queue freq for carol via bob: tx quota full: 3 of 3 packets queued")
		}, 3},
		{"the global quota caps every queue together", func() error {
			c.Quota = cfg.Quota{TX: cfg.Limit{Packets: 3}}
			defer func() { c.Quota = cfg.Quota{} }()
			_, err := ob.Exec(t.Context(), outbox.Dest{Node: c.Neigh["self"]}, "x", nil, strings.NewReader(""), false, 96, outbox.Options{})
			return refused(err, "queue exec for self: global tx quota full: 3 of 3 packets queued, needs 1 more")
		}, 3},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if n := queued(); n != s.count {
			t.Fatalf("%s: %d packets queued for bob, want %d", s.name, n, s.count)
		}
	}
	ents, err := os.ReadDir(filepath.Join(l.dir, "alice", "spool", "tmp"))
	if err != nil || len(ents) != 0 {
		t.Errorf("refused packets left %d files in tmp (%v)", len(ents), err)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
