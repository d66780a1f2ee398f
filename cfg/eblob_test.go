package cfg_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest"
)

// The eblobs in testdata/eblob were written by the real nncp-cfgenc
// (manifest.json says how); ferry must open every one.
var eblobDir = labtest.EBlobDir()

func TestEBlobNNCPVectors(t *testing.T) {
	vectors, plainPath := labtest.EBlobVectors(t)
	plain, err := os.ReadFile(plainPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := cfg.Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		t.Run(v.File, func(t *testing.T) {
			if v.Slow && testing.Short() {
				t.Skip("default costs take seconds; skipped with -short")
			}
			path := filepath.Join(eblobDir, v.File)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := cfg.ParseEBlob(data)
			if err != nil {
				t.Fatal(err)
			}
			if e.EBlobCost != (cfg.EBlobCost{Space: v.Space, Time: v.Time, Jobs: v.Jobs}) {
				t.Fatalf("costs %+v, manifest %+v", e.EBlobCost, v)
			}
			if !bytes.Equal(e.Append(nil), data) {
				t.Fatal("NNCP's eblob does not re-encode byte for byte")
			}
			got, err := e.Open([]byte(v.Passphrase))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Fatal("decrypted text differs from plain.hjson")
			}
			if v.Slow {
				// Each key at the default costs takes seconds. The open above
				// is this vector's own proof (those costs read from the file
				// and hashed as NNCP does); a wrong passphrase and Load's
				// callback take the same path at any cost, and the cheap
				// vectors check them.
				return
			}
			if _, err := e.Open([]byte(v.Passphrase + "x")); !errors.Is(err, cfg.ErrWrongPassphrase) {
				t.Fatalf("wrong passphrase: %v, want ErrWrongPassphrase", err)
			}
			calls := 0
			c, err := cfg.Load(path, cfg.LoadOptions{Passphrase: func() ([]byte, error) {
				calls++
				return []byte(v.Passphrase), nil
			}})
			if err != nil || calls != 1 {
				t.Fatalf("Load: %v after %d passphrase calls", err, calls)
			}
			if c.Self == nil || c.Self.ID != want.Self.ID || c.Spool != want.Spool {
				t.Fatal("the loaded config differs from plain.hjson")
			}
		})
	}
}

func TestLoadEncryptedNeedsPassphrase(t *testing.T) {
	path := filepath.Join(eblobDir, "s4-t1-p1.eblob")
	if _, err := cfg.Load(path); !errors.Is(err, cfg.ErrEncrypted) || !strings.Contains(err.Error(), path) {
		t.Errorf("no callback: %v, want ErrEncrypted naming the file", err)
	}
	data, _ := os.ReadFile(path)
	if _, err := cfg.Parse(data); !errors.Is(err, cfg.ErrEncrypted) {
		t.Errorf("Parse: %v, want ErrEncrypted", err)
	}
	boom := errors.New("no tty")
	if _, err := cfg.Load(path, cfg.LoadOptions{Passphrase: func() ([]byte, error) { return nil, boom }}); !errors.Is(err, boom) {
		t.Errorf("failing callback: %v", err)
	}
	_, err := cfg.Load(path, cfg.LoadOptions{Passphrase: func() ([]byte, error) { return []byte("abd"), nil }})
	if !errors.Is(err, cfg.ErrWrongPassphrase) || err.Error() != path+": wrong passphrase or damaged file" {
		t.Errorf("wrong passphrase: %v", err)
	}
}

// zeros is a deterministic "random" source for the salt.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestEBlobRoundTrip(t *testing.T) {
	conf, _ := os.ReadFile(filepath.Join(eblobDir, "plain.hjson"))
	costs := []cfg.EBlobCost{{Space: 1, Time: 0, Jobs: 1}, {Space: 3, Time: 1, Jobs: 1}, {Space: 17, Time: 2, Jobs: 3}}
	for _, plain := range [][]byte{nil, []byte("a"), []byte("abc"), []byte("abcd"), []byte("abcde"), conf} {
		for _, c := range costs {
			for _, r := range []io.Reader{nil, zeros{}} {
				out, err := cfg.EncryptEBlob(plain, []byte("pass"), c, r)
				if err != nil {
					t.Fatal(err)
				}
				n := len(plain) + 16
				if len(out) != 56+n+(4-n%4)%4 || binary.BigEndian.Uint32(out[52:]) != uint32(n) {
					t.Fatalf("%d bytes under %+v: eblob of %d bytes, length word %d", len(plain), c, len(out), binary.BigEndian.Uint32(out[52:]))
				}
				if string(out[:8]) != cfg.EBlobMagic || binary.BigEndian.Uint32(out[8:]) != c.Space || binary.BigEndian.Uint32(out[12:]) != c.Time || binary.BigEndian.Uint32(out[16:]) != c.Jobs {
					t.Fatalf("header %x does not carry magic and costs %+v", out[:20], c)
				}
				if r != nil && !bytes.Equal(out[20:52], make([]byte, 32)) {
					t.Fatal("salt is not from the given reader")
				}
				got, err := cfg.DecryptEBlob(out, []byte("pass"))
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("%d bytes under %+v: round trip: %v", len(plain), c, err)
				}
			}
		}
	}
}

// The header is authenticated: a change anywhere fails to open.
func TestEBlobTamper(t *testing.T) {
	out, err := cfg.EncryptEBlob([]byte("spool: /x"), []byte("pw"), cfg.EBlobCost{Space: 4, Time: 1, Jobs: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{11, 15, 19, 20, 51, 56, len(out) - 8} {
		bad := bytes.Clone(out)
		bad[at] ^= 1
		if _, err := cfg.DecryptEBlob(bad, []byte("pw")); !errors.Is(err, cfg.ErrWrongPassphrase) {
			t.Errorf("byte %d changed: %v, want ErrWrongPassphrase", at, err)
		}
	}
}

func TestParseEBlobRejects(t *testing.T) {
	good, err := cfg.EncryptEBlob([]byte("abcde"), []byte("pw"), cfg.EBlobCost{Space: 1, Time: 1, Jobs: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	withLen := func(n uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[52:], n)
		return b
	}
	badPad := bytes.Clone(good)
	badPad[len(badPad)-1] = 1
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"plain config", []byte("{spool: /x}"), "bad magic"},
		{"version 1", []byte("NNCPB\x00\x00\x01rest"), "too old"},
		{"version 2", []byte("NNCPB\x00\x00\x02rest"), "too old"},
		{"version 4", []byte("NNCPB\x00\x00\x04rest"), "bad magic"},
		{"header only", good[:40], "truncated"},
		{"no length", good[:52], "truncated"},
		{"blob cut", good[:len(good)-5], "truncated"},
		{"length too big", withLen(1 << 31), "truncated"},
		{"trailing data", append(bytes.Clone(good), 0, 0, 0, 0), "trailing"},
		{"padding not zero", badPad, "padding"},
	} {
		if _, err := cfg.ParseEBlob(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

func TestEBlobCostCheck(t *testing.T) {
	for _, c := range []struct {
		cost cfg.EBlobCost
		ok   bool
	}{
		{cfg.EBlobCost{Space: 1, Time: 0, Jobs: 1}, true},
		{cfg.EBlobCost{Space: cfg.DefaultEBlobSpace, Time: cfg.DefaultEBlobTime, Jobs: cfg.DefaultEBlobJobs}, true},
		{cfg.EBlobCost{Space: 0, Time: 1, Jobs: 1}, false},
		{cfg.EBlobCost{Space: 1, Time: 1, Jobs: 0}, false},
		{cfg.EBlobCost{Space: 1, Time: 1, Jobs: cfg.MaxEBlobJobs + 1}, false},
		{cfg.EBlobCost{Space: cfg.MaxEBlobMemory / 32, Time: 1, Jobs: 1}, true},
		{cfg.EBlobCost{Space: cfg.MaxEBlobMemory / 32, Time: 1, Jobs: 2}, false},
		{cfg.EBlobCost{Space: 1<<32 - 1, Time: 1, Jobs: cfg.MaxEBlobJobs}, false},
	} {
		if err := c.cost.Check(); (err == nil) != c.ok {
			t.Errorf("%+v: %v, want ok=%v", c.cost, err, c.ok)
		}
	}
	// A file asking for too much memory is refused before any hashing.
	big := cfg.EBlob{EBlobCost: cfg.EBlobCost{Space: 1<<32 - 1, Time: 1 << 30, Jobs: 1000}, Blob: make([]byte, 16)}
	if _, err := cfg.DecryptEBlob(big.Append(nil), nil); err == nil || errors.Is(err, cfg.ErrWrongPassphrase) {
		t.Errorf("hostile costs: %v, want a cost error", err)
	}
}

// FuzzParseEBlob: whatever the parser accepts re-encodes byte for byte.
func FuzzParseEBlob(f *testing.F) {
	vectors, _ := os.ReadDir(eblobDir)
	for _, de := range vectors {
		if strings.HasSuffix(de.Name(), ".eblob") {
			b, _ := os.ReadFile(filepath.Join(eblobDir, de.Name()))
			f.Add(b)
		}
	}
	f.Add([]byte("NNCPB\x00\x00\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := cfg.ParseEBlob(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Append(nil), b) {
			t.Fatalf("accepted a non-canonical eblob %x", b)
		}
	})
}
