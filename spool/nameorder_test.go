package spool

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

// compareNames must agree with comparing the names themselves, including
// ids that differ only in the last digit (one bit) and ids that differ in
// a digit spanning two bytes.
func TestCompareNamesIsNameOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var ids []packet.ID
	for range 3000 {
		var id packet.ID
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
		ids = append(ids, id)
		// Neighbours differing in one bit anywhere, so every digit
		// position and byte boundary decides some comparison.
		b := r.IntN(256)
		n := id
		n[b/8] ^= 0x80 >> (b % 8)
		ids = append(ids, n)
	}
	ids = append(ids, packet.ID{}, packet.ID{31: 1}, packet.ID{0: 0xff})
	for i := range 20000 {
		a, b := ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]
		if i < len(ids)/2 {
			a, b = ids[2*i], ids[2*i+1]
		}
		got, want := compareNames(a, b), strings.Compare(a.String(), b.String())
		if got != want {
			t.Fatalf("compareNames(%s, %s) = %d, names compare %d", a, b, got, want)
		}
	}
	// A key parsed from the name is the id's key, and gives the id back.
	for _, id := range ids {
		k, ok := nameKeyOf(id.String())
		if !ok || k != keyOf(id) || k.id() != id {
			t.Fatalf("%s: key %x (%v), keyOf %x, back to %s", id, k, ok, keyOf(id), k.id())
		}
		if kb, ok := nameKeyOf([]byte(id.String())); !ok || kb != k {
			t.Fatalf("%s: key from bytes %x", id, kb)
		}
	}
	good := packet.ID{1, 2, 3}.String()
	for _, bad := range []string{"", good[:51], good + "A", strings.ToLower(good), good[:51] + "=",
		good[:10] + "1" + good[11:], good[:10] + "8" + good[11:], good[:51] + "B", good[:20] + "\x00" + good[21:]} {
		if k, ok := nameKeyOf(bad); ok {
			t.Errorf("%q accepted as %x", bad, k)
		}
	}
	keys := make([]nameKey, len(ids))
	for i, id := range ids {
		keys[i] = keyOf(id)
	}
	sortByName(keys)
	if !slices.IsSortedFunc(keys, func(a, b nameKey) int { return strings.Compare(a.id().String(), b.id().String()) }) {
		t.Fatal("sortByName is not name order")
	}
	for _, probe := range []int{0, 1, 7, 100, len(keys) - 1} {
		for _, from := range []int{0, probe / 2, probe} {
			if got := seekName(keys, from, keys[probe]); got != probe {
				t.Fatalf("seekName(from %d) of keys[%d] = %d", from, probe, got)
			}
		}
	}
	// Probes not in keys land where a linear search puts them.
	for range 200 {
		var probe packet.ID
		for i := range probe {
			probe[i] = byte(r.IntN(256))
		}
		want := 0
		for want < len(keys) && compareNames(keys[want].id(), probe) < 0 {
			want++
		}
		if got := seekName(keys, 0, keyOf(probe)); got != want {
			t.Fatalf("seekName of %s = %d, want %d", probe, got, want)
		}
	}
}
