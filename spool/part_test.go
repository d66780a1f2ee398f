package spool_test

import (
	"bytes"
	"os"
	"testing"

	"ferry/packet"
	"ferry/spool"
)

// arrivals writes n .part files in peer's rx as a session would, left open.
func arrivals(t *testing.T, sp *spool.Spool, n int) []*spool.Part {
	t.Helper()
	var out []*spool.Part
	for i := 0; i < n; i++ {
		body := fakePacket(64, 100+i)
		id, _, _ := packet.MTHOf(bytes.NewReader(body))
		p, err := sp.OpenPart(peer, id)
		if err != nil {
			t.Fatal(err)
		}
		p.File().Write(body)
		out = append(out, p)
	}
	return out
}

func TestAdoptAll(t *testing.T) {
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
	os.Remove(batch[2].Path()) // vanished under us
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
