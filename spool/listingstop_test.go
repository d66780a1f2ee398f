package spool_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// stopAfter is a context that reads as cancelled from its n+1st look on:
// the listing looks once before each run of headers.
type stopAfter struct {
	context.Context
	n, looks atomic.Int32
}

func (c *stopAfter) Err() error {
	if c.looks.Add(1) > c.n.Load() {
		return context.Canceled
	}
	return nil
}

func (c *stopAfter) Done() <-chan struct{} { return nil }

func (c *stopAfter) Deadline() (time.Time, bool) { return time.Time{}, false }

// TestListingStopsWhenCancelled: a cold listing of a large queue (the
// index built from every header, minutes for a million packets) stops
// between two runs once the spool's context is cancelled, saying how
// many headers it left; the next listing, not cancelled, finishes from
// what was added and lists every packet.
func TestListingStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := &stopAfter{Context: context.Background()}
	ctx.n.Store(1) // one run of headers, then cancelled
	sp, err := spool.Open(dir, self, spool.Options{NoSync: true, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	sp.SetIndexBatch(100)
	if err := os.MkdirAll(sp.QueueDir(peer, spool.TX), 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		data := fakePacket(128, 16)
		binary.BigEndian.PutUint64(data[packet.EncHeaderSize:], uint64(i))
		id, _, _ := packet.MTHOf(bytes.NewReader(data))
		if err := os.WriteFile(sp.PacketPath(peer, spool.TX, id), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = sp.Jobs(peer, spool.TX)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "200 packet headers left unread") {
		t.Fatalf("cancelled listing: %v, want context.Canceled after one run of 100", err)
	}
	again, err := spool.Open(dir, self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	jobs, bad, err := again.Jobs(peer, spool.TX)
	if err != nil || len(bad) != 0 || len(jobs) != n {
		t.Fatalf("listing after the cancelled one: %d jobs, bad %v, %v; want %d", len(jobs), bad, err, n)
	}
}
