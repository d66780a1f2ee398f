package spool_test

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// commitWithin writes a packet-shaped file of 172+size bytes into node's
// xx queue under quota q.
func commitWithin(t *testing.T, sp *spool.Spool, node packet.ID, xx spool.XX, nice uint8, size int, q spool.Quota) (packet.ID, error) {
	t.Helper()
	tmp, err := sp.NewTmp()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(fakePacket(nice, size)); err != nil {
		t.Fatal(err)
	}
	return tmp.CommitWithin(node, xx, q)
}

func idOf(b []byte) packet.ID {
	id, _, _ := packet.MTHOf(bytes.NewReader(b))
	return id
}

// One spool's quota accounting, step by step: complete packets, claims
// of downloads and commits under way, .part files, the global quota over
// every node, and changes made by another process, each counted once.
func TestQuotaAccounting(t *testing.T) {
	sp := openSpool(t)
	other := packet.ID{3}
	own := spool.Quota{Own: spool.Limit{Bytes: 3000, Packets: 3}}
	var kept []packet.ID
	var claims []*spool.QuotaClaim
	usage := func(node packet.ID, xx spool.XX, wantOwn, wantAll spool.Usage) func() error {
		return func() error {
			o, a, err := sp.QuotaUsage(node, xx)
			if err != nil || o != wantOwn || a != wantAll {
				return errors.New("usage " + errString(err) + ": own " + usageString(o) + " all " + usageString(a) +
					", want " + usageString(wantOwn) + " and " + usageString(wantAll))
			}
			return nil
		}
	}
	full := func(want string) func(error) error {
		return func(err error) error {
			var qe *spool.QuotaError
			if !errors.Is(err, spool.ErrQuotaFull) || !errors.As(err, &qe) || err.Error() != want {
				return errors.New("want " + want + ", got " + errString(err))
			}
			return nil
		}
	}
	ok := func(err error) error { return err }
	claim := func(node, id packet.ID, xx spool.XX, size int64, q spool.Quota, check func(error) error) func() error {
		return func() error {
			c, err := sp.ClaimQuota(node, id, xx, size, q)
			if err == nil {
				claims = append(claims, c)
			}
			return check(err)
		}
	}
	commit := func(node packet.ID, nice uint8, size int, q spool.Quota, check func(error) error) func() error {
		return func() error {
			id, err := commitWithin(t, sp, node, spool.TX, nice, size, q)
			if err == nil {
				kept = append(kept, id)
			}
			return check(err)
		}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"an empty queue holds nothing", usage(peer, spool.TX, spool.Usage{}, spool.Usage{})},
		{"1172 bytes fit in 3000", commit(peer, 1, 1000, own, ok)},
		{"1172 more fit", commit(peer, 2, 1000, own, ok)},
		{"both are counted", usage(peer, spool.TX, spool.Usage{Bytes: 2344, Packets: 2}, spool.Usage{Bytes: 2344, Packets: 2})},
		{"1172 more do not", commit(peer, 3, 1000, own, full("tx quota full: 2.2 KiB of 2.9 KiB queued, needs 1.1 KiB"))},
		{"the refused packet is not queued", usage(peer, spool.TX, spool.Usage{Bytes: 2344, Packets: 2}, spool.Usage{Bytes: 2344, Packets: 2})},
		{"a claim of 600 bytes fits", claim(peer, packet.ID{9}, spool.TX, 600, own, ok)},
		{"the claim counts", usage(peer, spool.TX, spool.Usage{Bytes: 2944, Packets: 3}, spool.Usage{Bytes: 2944, Packets: 3})},
		{"a fourth packet passes the packet limit", claim(peer, packet.ID{10}, spool.TX, 1, own, full("tx quota full: 3 of 3 packets queued, needs 1 more"))},
		{"another node's queue has its own", claim(other, packet.ID{10}, spool.TX, 2000, own, ok)},
		{"released, the claim's room comes back", func() error {
			claims[0].Release()
			claims[0].Release() // twice is harmless
			return usage(peer, spool.TX, spool.Usage{Bytes: 2344, Packets: 2}, spool.Usage{Bytes: 4344, Packets: 3})()
		}},
		{"the global quota sums every node", claim(peer, packet.ID{11}, spool.TX, 100, spool.Quota{All: spool.Limit{Bytes: 4400}},
			full("global tx quota full: 4.2 KiB of 4.2 KiB queued, needs 100 B"))},
		{"rx is apart from tx", usage(peer, spool.RX, spool.Usage{}, spool.Usage{})},
		{"another process's removal frees room", func() error {
			sp2, err := spool.Open(sp.Dir(), self, spool.Options{NoSync: true})
			if err != nil {
				return err
			}
			if err := sp2.Remove(peer, spool.TX, kept[0]); err != nil {
				return err
			}
			return usage(peer, spool.TX, spool.Usage{Bytes: 1172, Packets: 1}, spool.Usage{Bytes: 3172, Packets: 2})()
		}},
		{"and another process's packet counts", func() error {
			sp2, err := spool.Open(sp.Dir(), self, spool.Options{NoSync: true})
			if err != nil {
				return err
			}
			if _, _, err := sp2.CopyIn(bytes.NewReader(fakePacket(4, 100)), peer, spool.TX, nil); err != nil {
				return err
			}
			return usage(peer, spool.TX, spool.Usage{Bytes: 1444, Packets: 2}, spool.Usage{Bytes: 3444, Packets: 3})()
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if ents, _ := os.ReadDir(sp.TmpDir()); len(ents) != 0 {
		t.Errorf("a refused commit left %d files in tmp", len(ents))
	}
}

// A download's claim covers its .part, which is counted from the disk
// only when no download of ours holds it (a session was cut); adopted
// into rx, the packet is counted once, as a complete packet.
// It holds with counts taken afresh (the directory changes too often for
// its times to tell) and with counts kept in step (a clock set ahead).
func TestQuotaCountsDownloads(t *testing.T) {
	for name, now := range map[string]func() time.Time{"fresh": nil, "kept": func() time.Time { return time.Now().Add(time.Hour) }} {
		t.Run(name, func(t *testing.T) {
			sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			quotaCountsDownloads(t, sp)
		})
	}
}

func quotaCountsDownloads(t *testing.T, sp *spool.Spool) {
	q := spool.Quota{Own: spool.Limit{Bytes: 5000}}
	data := fakePacket(1, 2000) // 2172 bytes
	id := idOf(data)
	check := func(what string, want spool.Usage) {
		t.Helper()
		got, _, err := sp.QuotaUsage(peer, spool.RX)
		if err != nil || got != want {
			t.Fatalf("%s: %+v, %v; want %+v", what, got, err, want)
		}
	}
	c, err := sp.ClaimQuota(peer, id, spool.RX, int64(len(data)), q)
	if err != nil {
		t.Fatal(err)
	}
	check("claimed", spool.Usage{Bytes: 2172, Packets: 1})
	part, err := sp.OpenPart(peer, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.File().Write(data[:1000]); err != nil {
		t.Fatal(err)
	}
	check("half written, held by its claim", spool.Usage{Bytes: 2172, Packets: 1})
	// A second download of 2900 bytes does not fit beside it: the
	// .part's unwritten rest is promised.
	if _, err := sp.ClaimQuota(peer, packet.ID{7}, spool.RX, 2900, q); !errors.Is(err, spool.ErrQuotaFull) {
		t.Fatalf("second download: %v", err)
	}
	if err := part.Close(); err != nil {
		t.Fatal(err)
	}
	c.Release() // the session was cut: the .part stays for the next one
	check("cut, the .part counts by its size", spool.Usage{Bytes: 1000, Packets: 1})
	// Resumed: the claim covers the .part, so a quota of exactly the
	// packet's size still takes it.
	c, err = sp.ClaimQuota(peer, id, spool.RX, int64(len(data)), spool.Quota{Own: spool.Limit{Bytes: int64(len(data))}})
	if err != nil {
		t.Fatal(err)
	}
	check("resumed, counted once", spool.Usage{Bytes: 2172, Packets: 1})
	part, err = sp.OpenPart(peer, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.File().WriteAt(data[1000:], 1000); err != nil {
		t.Fatal(err)
	}
	if n, err := sp.AdoptAll([]*spool.Part{part}); n != 1 || err != nil {
		t.Fatalf("adopt: %d, %v", n, err)
	}
	check("adopted: one complete packet", spool.Usage{Bytes: 2172, Packets: 1})
	c.Release() // after adoption: changes nothing
	check("released after adoption", spool.Usage{Bytes: 2172, Packets: 1})
	if _, err := sp.ClaimQuota(peer, packet.ID{7}, spool.RX, 2900, q); !errors.Is(err, spool.ErrQuotaFull) {
		t.Fatalf("after adoption, 2900 more: %v", err)
	}
	if _, err := sp.ClaimQuota(peer, packet.ID{7}, spool.RX, 2828, q); err != nil {
		t.Fatalf("after adoption, 2828 more: %v", err)
	}
}

func usageString(u spool.Usage) string {
	return spool.HumanBytes(u.Bytes) + " in " + strconv.FormatInt(u.Packets, 10) + " packets"
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB",
		2<<30 - 1: "1.9 GiB", 2 << 30: "2 GiB", 300 << 20: "300 MiB", 1 << 40: "1 TiB",
	} {
		if got := spool.HumanBytes(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// Claims are the spool's, not their caller's: sessions of one daemon
// claiming at once for different neighbours under a global quota get
// exactly the quota's room between them, never more.
func TestQuotaClaimsSharedBySessions(t *testing.T) {
	sp := openSpool(t)
	q := spool.Quota{All: spool.Limit{Packets: 20, Bytes: 20 * 1000}}
	var wg sync.WaitGroup
	got := make([]int, 8)
	for s := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := packet.ID{byte(10 + s)}
			for i := 0; i < 10; i++ {
				if _, err := sp.ClaimQuota(node, packet.ID{byte(s), byte(i)}, spool.RX, 1000, q); err == nil {
					got[s]++
				} else if !errors.Is(err, spool.ErrQuotaFull) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range got {
		total += n
	}
	if total != 20 {
		t.Errorf("%d claims granted under a global quota of 20 packets (per session: %v)", total, got)
	}
	if _, all, err := sp.QuotaUsage(packet.ID{10}, spool.RX); err != nil || all != (spool.Usage{Bytes: 20000, Packets: 20}) {
		t.Errorf("usage %+v, %v; want the 20 claims", all, err)
	}
}

// This process's own changes keep a cached count in step instead of
// dropping it: a session's commits and downloads cost no count of the
// queue each. (The clock is set ahead so that every count is kept,
// however recently the directory changed: the keeping is what is
// tested.) A change whose effect is not known, a removal, drops it.
func TestQuotaCountFollowsOwnChanges(t *testing.T) {
	sp, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	q := spool.Quota{Own: spool.Limit{Packets: 100}}
	check := func(what string, xx spool.XX, want spool.Usage, reads int64) {
		t.Helper()
		got, _, err := sp.QuotaUsage(peer, xx)
		if err != nil || got != want || sp.QueueReads() != reads {
			t.Fatalf("%s: usage %+v, %v, %d directory reads; want %+v after %d", what, got, err, sp.QueueReads(), want, reads)
		}
	}
	var ids []packet.ID
	for i := 0; i < 3; i++ {
		id, err := commitWithin(t, sp, peer, spool.TX, uint8(i), 100*i, q)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Counted when the first was claimed, and again once its commit
	// made the queue's directory; not for the other two.
	check("three commits", spool.TX, spool.Usage{Bytes: 172 + 272 + 372, Packets: 3}, 2)

	data := fakePacket(9, 1000)
	id := idOf(data)
	c, err := sp.ClaimQuota(peer, id, spool.RX, int64(len(data)), q)
	if err != nil {
		t.Fatal(err)
	}
	part, err := sp.OpenPart(peer, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.File().Write(data); err != nil {
		t.Fatal(err)
	}
	// rx/ is made by the first download likewise.
	check("downloading", spool.RX, spool.Usage{Bytes: 1172, Packets: 1}, 4)
	if n, err := sp.AdoptAll([]*spool.Part{part}); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	c.Release()
	check("adopted", spool.RX, spool.Usage{Bytes: 1172, Packets: 1}, 4)
	data2 := fakePacket(9, 500)
	if _, err := sp.ClaimQuota(peer, idOf(data2), spool.RX, int64(len(data2)), q); err != nil {
		t.Fatal(err) // handed over by the adoption below, never released
	}
	part, err = sp.OpenPart(peer, idOf(data2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.File().Write(data2); err != nil {
		t.Fatal(err)
	}
	if n, err := sp.AdoptAll([]*spool.Part{part}); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	check("a second download", spool.RX, spool.Usage{Bytes: 1172 + 672, Packets: 2}, 4)

	if err := sp.Remove(peer, spool.TX, ids[0]); err != nil {
		t.Fatal(err)
	}
	check("after a removal", spool.TX, spool.Usage{Bytes: 272 + 372, Packets: 2}, 5)
}
