package balloon

import (
	"bytes"
	"encoding/binary"
	"math/big"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// Tests follow the paper's structure: each step against a literal
// reading of its pseudocode, then the whole against NNCP's files
// (vectors_test.go).

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// refExpand is the paper's expand step, written out with Sum256.
func refExpand(passwd, salt []byte, s uint64) ([]Block, uint64) {
	buf := make([]Block, s)
	cnt := uint64(0)
	buf[0] = blake2b.Sum256(cat(u64(cnt), passwd, salt))
	cnt++
	for m := uint64(1); m < s; m++ {
		buf[m] = blake2b.Sum256(cat(u64(cnt), buf[m-1][:]))
		cnt++
	}
	return buf, cnt
}

// refMix is the paper's mix step with delta=3, indices through math/big.
func refMix(buf []Block, salt []byte, cnt, t uint64) {
	s := uint64(len(buf))
	for r := uint64(0); r < t; r++ {
		for m := uint64(0); m < s; m++ {
			prev := buf[(m+s-1)%s]
			buf[m] = blake2b.Sum256(cat(u64(cnt), prev[:], buf[m][:]))
			cnt++
			for i := uint64(0); i < 3; i++ {
				ih := blake2b.Sum256(cat(u64(cnt), salt, u64(r), u64(m), u64(i)))
				cnt++
				other := new(big.Int).Mod(new(big.Int).SetBytes(ih[:]), new(big.Int).SetUint64(s)).Uint64()
				buf[m] = blake2b.Sum256(cat(u64(cnt), buf[m][:], buf[other][:]))
				cnt++
			}
		}
	}
}

func TestMod(t *testing.T) {
	var maxBlock, one Block
	for i := range maxBlock {
		maxBlock[i] = 0xff
	}
	one[Size-1] = 1
	mixed := blake2b.Sum256([]byte("index"))
	for _, c := range []struct {
		name string
		b    Block
		s    uint64
	}{
		{"zero mod 1", Block{}, 1},
		{"one mod 1", one, 1},
		{"one mod 2", one, 2},
		{"max mod 3", maxBlock, 3},
		{"max mod 2^32+15", maxBlock, 1<<32 + 15},
		{"max mod 2^64-1", maxBlock, 1<<64 - 1},
		{"hash mod 32768", mixed, 32768},
		{"hash mod 33", mixed, 33},
		{"hash mod 2^63+7", mixed, 1<<63 + 7},
	} {
		want := new(big.Int).Mod(new(big.Int).SetBytes(c.b[:]), new(big.Int).SetUint64(c.s)).Uint64()
		if got := mod(&c.b, c.s); got != want {
			t.Errorf("%s: %d, want %d", c.name, got, want)
		}
	}
}

var stepCases = []struct {
	name         string
	passwd, salt string
	s, t         uint64
}{
	{"one block", "pw", "salt", 1, 1},
	{"two blocks", "pw", "salt", 2, 1},
	{"no rounds", "pw", "salt", 5, 0},
	{"odd size", "correct horse", "0123456789abcdef0123456789abcdef", 33, 3},
	{"empty password", "", "s", 8, 2},
	{"empty salt", "pw", "", 8, 2},
}

func TestExpand(t *testing.T) {
	for _, c := range stepCases {
		in := newInstance([]byte(c.salt))
		got := in.expand([]byte(c.passwd), c.s)
		want, cnt := refExpand([]byte(c.passwd), []byte(c.salt), c.s)
		if len(got) != len(want) {
			t.Fatalf("%s: %d blocks, want %d", c.name, len(got), len(want))
		}
		for m := range want {
			if got[m] != want[m] {
				t.Errorf("%s: block %d differs", c.name, m)
			}
		}
		if in.cnt != cnt {
			t.Errorf("%s: counter %d after expand, want %d", c.name, in.cnt, cnt)
		}
	}
}

func TestMix(t *testing.T) {
	for _, c := range stepCases {
		in := newInstance([]byte(c.salt))
		got := in.expand([]byte(c.passwd), c.s)
		want, cnt := refExpand([]byte(c.passwd), []byte(c.salt), c.s)
		in.mix(got, c.t)
		refMix(want, []byte(c.salt), cnt, c.t)
		for m := range want {
			if got[m] != want[m] {
				t.Errorf("%s: block %d differs after mixing", c.name, m)
			}
		}
		if wantCnt := c.s * (1 + c.t*(1+2*Delta)); in.cnt != wantCnt {
			t.Errorf("%s: counter %d after mix, want %d", c.name, in.cnt, wantCnt)
		}
	}
}

func TestExtract(t *testing.T) {
	buf := []Block{{1}, {2}, {3}}
	if extract(buf) != (Block{3}) {
		t.Fatal("extract is not the last block")
	}
	for _, c := range stepCases {
		want, cnt := refExpand([]byte(c.passwd), []byte(c.salt), c.s)
		refMix(want, []byte(c.salt), cnt, c.t)
		if got := Single([]byte(c.passwd), []byte(c.salt), c.s, c.t); got != want[c.s-1] {
			t.Errorf("%s: Single is not the last mixed block", c.name)
		}
	}
}

func TestKeyCombinesJobs(t *testing.T) {
	passwd, salt := []byte("passphrase"), []byte("0123456789abcdef0123456789abcdef")
	for _, p := range []int{1, 2, 3, 5} {
		var x Block
		for j := range p {
			o := Single(passwd, cat(salt, u64(uint64(j))), 7, 2)
			for i := range x {
				x[i] ^= o[i]
			}
		}
		want := blake2b.Sum256(cat(passwd, salt, x[:]))
		if got := Key(passwd, salt, 7, 2, p); got != want {
			t.Errorf("p=%d: key differs from H(passwd || salt || XOR of instances)", p)
		}
	}
}

// Every input and cost changes the key.
func TestKeyDependsOnEverything(t *testing.T) {
	base := func() (string, string, uint64, uint64, int) { return "pw", "salt", 8, 2, 2 }
	p, s, sc, tc, j := base()
	ref := Key([]byte(p), []byte(s), sc, tc, j)
	for name, k := range map[string]Block{
		"password": Key([]byte("pW"), []byte(s), sc, tc, j),
		"salt":     Key([]byte(p), []byte("salT"), sc, tc, j),
		"space":    Key([]byte(p), []byte(s), sc+1, tc, j),
		"time":     Key([]byte(p), []byte(s), sc, tc+1, j),
		"jobs":     Key([]byte(p), []byte(s), sc, tc, j+1),
	} {
		if k == ref {
			t.Errorf("changing the %s left the key unchanged", name)
		}
	}
	if Key([]byte(p), []byte(s), sc, tc, j) != ref {
		t.Error("the key is not deterministic")
	}
}
