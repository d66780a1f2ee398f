package spool_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/spool"
)

func TestDiskSpaceOfAPathYetToBeMade(t *testing.T) {
	dir := t.TempDir()
	got, err := spool.DiskSpace(filepath.Join(dir, "not", "yet"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := spool.DiskSpace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total == 0 || got.Total != want.Total || got.Avail > got.Total {
		t.Errorf("space of a missing path %+v, of its parent %+v", got, want)
	}
}

// Claims from one spool add up: what was promised and not yet written
// counts against the next claim, and comes back as it is written or
// released.
func TestClaimsAddUp(t *testing.T) {
	free := uint64(10 << 20)
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true,
		Space: func(string) (spool.Space, error) { return spool.Space{Avail: free, Total: 100 << 20}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	reserve := func(total uint64) uint64 { return total / 50 } // 2 MiB
	steps := []struct {
		name string
		do   func() error
	}{
		{"6 MiB fits in 8", func() error { _, _, err := sp.Claim(peer, 6<<20, reserve); return err }},
		{"3 MiB more does not", func() error { _, _, err := sp.Claim(peer, 3<<20, reserve); return wantNoRoom(err) }},
		{"2 MiB more fits exactly", func() error { _, _, err := sp.Claim(peer, 2<<20, reserve); return err }},
		{"nothing more fits", func() error { _, err := sp.Fits(peer, 1, reserve); return wantNoRoom(err) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}

	sp2, _ := spool.Open(t.TempDir(), self, spool.Options{NoSync: true,
		Space: func(string) (spool.Space, error) { return spool.Space{Avail: free, Total: 100 << 20}, nil }})
	c, room, err := sp2.Claim(peer, 8<<20, reserve)
	if err != nil || room.Left() != 8<<20 {
		t.Fatalf("claim: %v, room %+v", err, room)
	}
	free -= 5 << 20 // the download wrote 5 MiB
	c.Used(5 << 20)
	if r, err := sp2.Fits(peer, 1, reserve); !errors.Is(err, spool.ErrNoRoom) || r.Claimed != 3<<20 {
		t.Errorf("after writing 5 of 8 MiB: %v, room %+v", err, r)
	}
	c.Release()
	c.Release() // twice is harmless
	if r, err := sp2.Fits(peer, 3<<20, reserve); err != nil || r.Claimed != 0 {
		t.Errorf("after release: %v, room %+v", err, r)
	}
}

func wantNoRoom(err error) error {
	if !errors.Is(err, spool.ErrNoRoom) {
		return errors.New("want ErrNoRoom, got " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
