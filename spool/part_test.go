package spool_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// arrivals writes n .part files in peer's rx as a session would, left open.
func arrivals(t *testing.T, sp *spool.Spool, n int) []*spool.Part {
	t.Helper()
	var out []*spool.Part
	for i := 0; i < n; i++ {
		p, _ := writePart(t, sp, fakePacket(64, 100+i))
		out = append(out, p)
	}
	return out
}

// writePart receives body from peer as a download under its MTH.
func writePart(t *testing.T, sp *spool.Spool, body []byte) (*spool.Part, packet.ID) {
	t.Helper()
	id, _, _ := packet.MTHOf(bytes.NewReader(body))
	p, err := sp.OpenPart(peer, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.File().Write(body); err != nil {
		t.Fatal(err)
	}
	return p, id
}

func TestAdoptAll(t *testing.T) {
	t.Parallel() // files and index on disk: waits overlap

	for _, n := range []int{1, 2, 3, 50} { // per-file fsync and syncfs batches
		for _, nosync := range []bool{false, true} {
			sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: nosync})
			if err != nil {
				t.Fatal(err)
			}
			batch := arrivals(t, sp, n)
			got, err := sp.AdoptAll(batch)
			if err != nil || got != n {
				t.Fatalf("n=%d nosync=%v: adopted %d: %v", n, nosync, got, err)
			}
			for _, a := range batch {
				if ok, err := sp.Verify(peer, spool.RX, a.ID); !ok || err != nil {
					t.Errorf("%s not adopted intact: %v", a.ID, err)
				}
				if _, err := os.Stat(a.Path()); !os.IsNotExist(err) {
					t.Errorf("%s: .part left behind", a.ID)
				}
				if a.File().Close() == nil {
					t.Errorf("%s: file left open", a.ID)
				}
			}
		}
	}
}

// A rename that fails part-way adopts the ones before it, closes every
// file and leaves the rest as .part to be resumed.
func TestAdoptAllStopsAtFailure(t *testing.T) {
	sp := openSpool(t)
	batch := arrivals(t, sp, 4)
	if err := os.Remove(batch[2].Path()); err != nil { // vanished under us
		t.Fatal(err)
	}
	got, err := sp.AdoptAll(batch)
	if err == nil || got != 2 {
		t.Fatalf("adopted %d, err %v", got, err)
	}
	for i, a := range batch {
		if a.File().Close() == nil {
			t.Errorf("%d left open", i)
		}
	}
	if !sp.Has(peer, spool.RX, batch[1].ID) || sp.Has(peer, spool.RX, batch[3].ID) {
		t.Error("wrong packets adopted")
	}
	if _, ok := sp.PartSize(peer, batch[3].ID); !ok {
		t.Error("the rest should stay as .part")
	}
}

// TestVerifyLong: Verify and PromoteNock hash a long packet at offsets
// on two goroutines (packet.MTHOfReaderAt): the whole of it, so one byte
// changed in its last 32 MiB window, or in its short last block, is
// caught.
func TestVerifyLong(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(dir, self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	body := fakePacket(1, 33<<20+packet.BlockSize+5)
	p, id := writePart(t, sp, body)
	if err := p.KeepUnchecked(); err != nil {
		t.Fatal(err)
	}
	if err := sp.PromoteNock(peer, id); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, peer.String(), "rx", id.String()), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for _, at := range []int64{-1, 33<<20 + 1, int64(len(body)) - 1} {
		if at >= 0 {
			if _, err := f.WriteAt([]byte{body[at] ^ 1}, at); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := sp.Verify(peer, spool.RX, id); ok != (at < 0) || err != nil {
			t.Errorf("byte %d changed: Verify %v, %v", at, ok, err)
		}
		if at >= 0 {
			if _, err := f.WriteAt(body[at:at+1], at); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPartEnds: a download kept unchecked becomes a packet only once
// PromoteNock found it intact; a damaged one stays a .nock; a discarded
// one is gone.
func TestPartEnds(t *testing.T) {
	sp := openSpool(t)
	body := fakePacket(1, 1000)
	id, _, _ := packet.MTHOf(bytes.NewReader(body))
	write := func(id packet.ID, data []byte) *spool.Part {
		p, err := sp.OpenPart(peer, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.File().Write(data); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write(id, body)
	if got, err := p.Hash(); err != nil || got != id {
		t.Fatalf("hash %s, %v; want %s", got, err, id)
	}
	if err := p.KeepUnchecked(); err != nil {
		t.Fatal(err)
	}
	if sp.Has(peer, spool.RX, id) {
		t.Fatal("an unchecked download is listed as a packet")
	}
	if parts, _ := sp.Partials(peer); len(parts) != 1 || !parts[0].Nock || parts[0].Size != int64(len(body)) {
		t.Fatalf("partials %+v, want one .nock", parts)
	}
	if err := sp.PromoteNock(peer, id); err != nil {
		t.Fatal(err)
	}
	if ok, err := sp.Verify(peer, spool.RX, id); !ok || err != nil {
		t.Fatalf("promoted packet: %v, %v", ok, err)
	}
	if err := sp.PromoteNock(peer, id); !os.IsNotExist(err) {
		t.Errorf("second promotion: %v, want not-exist", err)
	}

	damaged := packet.ID{9}
	if err := write(damaged, body).KeepUnchecked(); err != nil {
		t.Fatal(err)
	}
	if err := sp.PromoteNock(peer, damaged); !errors.Is(err, spool.ErrHashMismatch) {
		t.Errorf("damaged .nock: %v, want ErrHashMismatch", err)
	}
	if sp.Has(peer, spool.RX, damaged) {
		t.Error("a damaged .nock became a packet")
	}
	if parts, _ := sp.Partials(peer); len(parts) != 1 || parts[0].ID != damaged {
		t.Errorf("partials %+v, want the damaged .nock kept", parts)
	}

	discarded := packet.ID{10}
	if err := write(discarded, body[:10]).Discard(); err != nil {
		t.Fatal(err)
	}
	if _, ok := sp.PartSize(peer, discarded); ok {
		t.Error("a discarded download is still there")
	}
	if err := write(discarded, body[:10]).Close(); err != nil {
		t.Fatal(err)
	}
	if n, ok := sp.PartSize(peer, discarded); !ok || n != 10 {
		t.Errorf("a closed download holds %d (there: %v), want 10", n, ok)
	}
	if err := sp.DropPart(peer, discarded); err != nil {
		t.Fatal(err)
	}
	if _, ok := sp.PartSize(peer, discarded); ok {
		t.Error("a dropped download is still there")
	}
}

// TestExecMarker: a claim exists once touched and until removed.
func TestExecMarker(t *testing.T) {
	sp := openSpool(t)
	m := sp.ExecMarker(peer, packet.ID{4})
	if m.Exists() {
		t.Fatal("a claim exists before it was made")
	}
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	if err := m.Touch(); err != nil {
		t.Fatal(err)
	}
	if !m.Exists() || !sp.ExecMarker(peer, packet.ID{4}).Exists() || sp.ExecMarker(peer, packet.ID{5}).Exists() {
		t.Fatal("the claim is not seen, or seen for another packet")
	}
	if err := m.Remove(); err != nil || m.Exists() {
		t.Fatalf("remove: %v", err)
	}
}
