package packet

import (
	"bytes"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

var mthVectors = []struct {
	n    int
	want string
}{
	{0, "c61e51cf3a3fc9c9249b2463015e0d17a1acdce2c2baec1db8ddc5d84f0aa95f"},
	{1, "b32942fa64e75a3b4b80e8880a7008d1e963b61392b39463dbaf16254a1e6e2b"},
	{131072, "10ac3df342fadebb3bb0a74d8b51881107a517e9753a5d7a1ceab0ac1e3cf1ca"},
	{131073, "f0f71c08a451bf7b7d26844d889293b81db3f58ca1b8d40e01c187dda9991429"},
	{393216, "04f68bfd45542eff0d2bb47aa261907609d5345e9cb1c2726244381459090631"},
	{655367, "2655e4fd056c3d855d24f1a64ecf4c77e6a4654b8aca35ec1dfc1d24c1d24010"},
}

func TestMTHVectors(t *testing.T) {
	for _, v := range mthVectors {
		in := labtest.MTHInput(v.n)
		// Whole, and in awkward write sizes.
		for _, step := range []int{v.n + 1, 1000, 131071, 131073} {
			m := NewMTH()
			for p := in; len(p) > 0; {
				k := min(step, len(p))
				m.Write(p[:k])
				p = p[k:]
			}
			id := m.Sum()
			if got := hex.EncodeToString(id[:]); got != v.want {
				t.Errorf("len %d step %d: got %s want %s", v.n, step, got, v.want)
			}
		}
	}
}

// The BLAKE3 states are pooled between hashers: many hashers at once,
// interleaved and on several goroutines, must still each give their own
// input's root.
func TestMTHPooledStatesStayApart(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				var ms []*MTH
				for range mthVectors {
					ms = append(ms, NewMTH())
				}
				for i, v := range mthVectors {
					ms[i].Write(labtest.MTHInput(v.n))
				}
				for i := range mthVectors { // summed in reverse order
					k := len(ms) - 1 - i
					id := ms[k].Sum()
					if got := hex.EncodeToString(id[:]); got != mthVectors[k].want {
						t.Errorf("len %d: got %s want %s", mthVectors[k].n, got, mthVectors[k].want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestMTHResume(t *testing.T) {
	for _, v := range mthVectors {
		in := labtest.MTHInput(v.n)
		for _, off := range []int{0, 1, 131071, 131072, 131073, 393216} {
			if off > v.n {
				continue
			}
			m := NewMTHAt(int64(off))
			m.Write(in[off:])
			if err := m.Prepend(bytes.NewReader(in)); err != nil {
				t.Fatalf("len %d off %d: %v", v.n, off, err)
			}
			id := m.Sum()
			if got := hex.EncodeToString(id[:]); got != v.want {
				t.Errorf("len %d off %d: got %s want %s", v.n, off, got, v.want)
			}
		}
	}
}

func FuzzMTHResume(f *testing.F) {
	f.Add(uint32(300000), uint32(131072))
	f.Add(uint32(1), uint32(1))
	f.Fuzz(func(t *testing.T, n, off uint32) {
		n %= 700000
		if n == 0 {
			off = 0
		} else {
			off %= n + 1
		}
		in := labtest.MTHInput(int(n))
		want, _, _ := MTHOf(bytes.NewReader(in))
		m := NewMTHAt(int64(off))
		m.Write(in[off:])
		if err := m.Prepend(bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		if got := m.Sum(); got != want {
			t.Fatalf("n %d off %d: resume differs", n, off)
		}
	})
}

func TestAsyncMTH(t *testing.T) {
	for _, v := range mthVectors {
		in := labtest.MTHInput(v.n)
		a := NewAsyncMTH()
		for p := in; len(p) > 0; {
			k := min(len(p), 100000)
			if _, err := a.Write(p[:k]); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		id := a.Sum()
		if got := hex.EncodeToString(id[:]); got != v.want {
			t.Errorf("len %d: got %s", v.n, got)
		}
		if a.Sum() != id {
			t.Error("second Sum differs")
		}
	}
}

// Inputs past the inline threshold move to the goroutine mid-stream.
func TestAsyncMTHLarge(t *testing.T) {
	in := labtest.MTHInput(3<<20 + 5)
	want, _, _ := MTHOf(bytes.NewReader(in))
	a := NewAsyncMTH()
	for p := in; len(p) > 0; {
		k := min(len(p), 300001)
		if _, err := a.Write(p[:k]); err != nil {
			t.Fatal(err)
		}
		p = p[k:]
	}
	// Sum twice: summing must not disturb the state it sums.
	if first, again := a.Sum(), a.Sum(); first != want || again != want {
		t.Fatal("async hash differs")
	}
}
