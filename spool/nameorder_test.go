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
	sortByName(ids)
	if !slices.IsSortedFunc(ids, func(a, b packet.ID) int { return strings.Compare(a.String(), b.String()) }) {
		t.Fatal("sortByName is not name order")
	}
	for _, probe := range []int{0, 1, 7, 100, len(ids) - 1} {
		for _, from := range []int{0, probe / 2, probe} {
			if got := seekName(ids, from, ids[probe]); got != probe {
				t.Fatalf("seekName(from %d) of ids[%d] = %d", from, probe, got)
			}
		}
	}
	// Probes not in ids land where a linear search puts them.
	for range 200 {
		var probe packet.ID
		for i := range probe {
			probe[i] = byte(r.IntN(256))
		}
		want := 0
		for want < len(ids) && compareNames(ids[want], probe) < 0 {
			want++
		}
		if got := seekName(ids, 0, probe); got != want {
			t.Fatalf("seekName of %s = %d, want %d", probe, got, want)
		}
	}
}
