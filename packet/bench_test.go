package packet_test

import (
	"bytes"
	"hash"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/sys/cpu"
	lblake3 "lukechampine.com/blake3"

	"github.com/ferry-dtn/ferry/packet"
)

const benchSize = 16 << 20

func BenchmarkRawChaCha20Poly1305(b *testing.B) {
	aead, _ := chacha20poly1305.New(make([]byte, 32))
	buf := make([]byte, packet.BlockSize+16)
	nonce := make([]byte, 12)
	b.SetBytes(benchSize)
	for b.Loop() {
		for range benchSize / packet.BlockSize {
			aead.Seal(buf[:0], nonce, buf[:packet.BlockSize], nil)
		}
	}
}

// BenchmarkRawBLAKE3 is the machine's limit for MTH: 128 KiB blocks
// hashed on one core by the fastest BLAKE3 ferry links for this CPU
// (lukechampine's with AVX-512, else zeebo's: packet/mth_block.go), so
// that MTH's "of raw" is never flattered by a slower reference.
func BenchmarkRawBLAKE3(b *testing.B) {
	buf := make([]byte, packet.BlockSize)
	var h hash.Hash = blake3.New()
	if cpu.X86.HasAVX512F {
		h = lblake3.New(32, nil)
	}
	b.SetBytes(benchSize)
	for b.Loop() {
		for range benchSize / packet.BlockSize {
			h.Reset()
			h.Write(buf)
			h.Sum(nil)
		}
	}
}

func BenchmarkMTH(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(benchSize)
	for b.Loop() {
		m := packet.NewMTH()
		for range benchSize / len(buf) {
			m.Write(buf)
		}
		m.Sum()
	}
}

// BenchmarkEncrypt is what queueing does: seal and hash the output.
func BenchmarkEncrypt(b *testing.B) {
	alice, bob := loadKeyring(b, "alice"), loadKeyring(b, "bob")
	buf := make([]byte, 1<<20)
	b.SetBytes(benchSize)
	for b.Loop() {
		m := packet.NewAsyncMTH()
		w, _ := packet.NewWriter(m, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{})
		for range benchSize / len(buf) {
			if _, err := w.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		m.Sum()
	}
}

func BenchmarkDecrypt(b *testing.B) {
	alice, bob := loadKeyring(b, "alice"), loadKeyring(b, "bob")
	var pkt bytes.Buffer
	w, _ := packet.NewWriter(&pkt, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{})
	if _, err := w.Write(make([]byte, benchSize)); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	for b.Loop() {
		r, err := packet.NewReader(bytes.NewReader(pkt.Bytes()), bob.self, bob.lookup, packet.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// zeroReader yields n zero bytes without holding them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// TestFlatMemory2GiB encrypts a 2 GiB stream and decrypts it through a
// pipe-free chain of readers, checking that the heap stays small.
// Set FERRY_BIG=1 to run it (it moves 4 GiB through the ciphers).
func TestFlatMemory2GiB(t *testing.T) {
	if os.Getenv("FERRY_BIG") == "" {
		t.Skip("set FERRY_BIG=1 to run the 2 GiB memory test")
	}
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const size = 2 << 30
	pr, pw := io.Pipe()
	go func() {
		w, err := packet.NewWriter(pw, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{})
		if err == nil {
			_, err = io.Copy(w, &zeroReader{n: size})
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	r, err := packet.NewReader(pr, bob.self, bob.lookup, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	buf := make([]byte, 1<<20)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if total%(256<<20) < int64(n) {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != size {
		t.Fatalf("got %d bytes", total)
	}
	t.Logf("peak heap+stack in use: %.1f MiB", float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Fatalf("peak memory %d bytes, limit 64 MiB", peak)
	}
}

// BenchmarkSeal is sealing alone, block by block on one goroutine and in
// parallel batches, side by side in one run.
func BenchmarkSeal(b *testing.B) {
	alice, bob := loadKeyring(b, "alice"), loadKeyring(b, "bob")
	buf := make([]byte, packet.BlockSize)
	for _, c := range []struct {
		name       string
		sequential bool
	}{{"sequential", true}, {"batched", false}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(benchSize)
			for b.Loop() {
				w, _ := packet.NewWriterForTest(io.Discard, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{}, [32]byte{1}, c.sequential)
				for range benchSize / len(buf) {
					if _, err := w.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
