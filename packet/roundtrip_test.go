package packet_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

func payload(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n)})
	r.Read(b)
	return b
}

func seal(t testing.TB, from *packet.Identity, to packet.Peer, body []byte, opt packet.WriteOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	return sealTo(t, &out, from, to, body, opt)
}

// sealTo is seal into out, emptied first (tests that seal many packets
// reuse one buffer).
func sealTo(t testing.TB, out *bytes.Buffer, from *packet.Identity, to packet.Peer, body []byte, opt packet.WriteOptions) []byte {
	t.Helper()
	out.Reset()
	w, err := packet.NewWriter(out, from, to, packet.PlainHeader{Type: packet.TypeFile, Nice: opt.Nice, Path: []byte("f")}, opt)
	if err != nil {
		t.Fatal(err)
	}
	writeInPieces(t, w, body, 70001) // odd sizes cross block boundaries at every offset
	return out.Bytes()
}

// writeInPieces writes body to w in pieces of step bytes, then closes w.
func writeInPieces(t testing.TB, w io.WriteCloser, body []byte, step int) {
	t.Helper()
	for p := body; len(p) > 0; {
		k := min(len(p), step)
		if _, err := w.Write(p[:k]); err != nil {
			t.Fatal(err)
		}
		p = p[k:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripSizes(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	sizes := []int{0, 1, 9, B - 276 - 16, B - 276 - 15, B - 276, B - 275, 2*B - 276, 3*B + 5}
	for tail := B - 16; tail < B; tail++ { // the split SIZE block cases
		sizes = append(sizes, tail-276, B+tail-276)
	}
	// A Reader's first buffer (4 KiB of ciphertext past the 172-byte
	// header) filled exactly, short of it and past it: n+308 bytes.
	for n := 4096 - 308 - 2; n <= 4096-308+2; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		for _, minSize := range []int64{0, 1024, 2 * B, 5*B + 7} {
			body := payload(n)
			pkt := seal(t, alice.self, bob.self.Peer(), body, packet.WriteOptions{Nice: 200, MinSize: minSize})
			if want := max(minSize, packet.EncryptedSize(int64(n)+276, 0)); int64(len(pkt)) != want {
				t.Fatalf("size %d min %d: packet %d bytes, want %d", n, minSize, len(pkt), want)
			}
			got, r, err := decryptAll(bob, bob.self, pkt, packet.ReadOptions{})
			if err != nil {
				t.Fatalf("size %d min %d: %v", n, minSize, err)
			}
			if !bytes.Equal(got[276:], body) || r.Header().Nice != 200 {
				t.Fatalf("size %d min %d: payload differs", n, minSize)
			}
		}
	}
}

// TestSmallPacketReadAllocates: reading a small packet allocates a
// small fraction of a block, not the two 128 KiB block buffers nor three
// 8 KiB key-derivation hashers: a toss of a thousand exec packets spent
// a fifth of its CPU allocating, clearing and collecting those.
func TestSmallPacketReadAllocates(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under -race (see race_on_test.go)")
	}
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	pkt := seal(t, alice.self, bob.self.Peer(), payload(100), packet.WriteOptions{})
	read := func() {
		r, err := packet.NewReader(bytes.NewReader(pkt), bob.self, bob.lookup, packet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	}
	read()
	const n = 200
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		read()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 16<<10 {
		t.Fatalf("reading a 100-byte packet allocates %d bytes, want at most 16 KiB", per)
	}
}

func TestEncryptedSizeExamples(t *testing.T) {
	for _, c := range []struct{ payload, want int64 }{{9, 489}, {0, 480}, {300000, 300512}} {
		if got := packet.EncryptedSize(c.payload+276, 0); got != c.want {
			t.Errorf("payload %d: %d, want %d", c.payload, got, c.want)
		}
	}
}

func TestOuterPadding(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	pkt := seal(t, alice.self, bob.self.Peer(), payload(1000), packet.WriteOptions{MinSize: 300 << 10})
	flip := bytes.Clone(pkt)
	flip[len(flip)-1] ^= 1
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"opad flipped", flip, packet.ErrBadPadding},
		{"opad short", pkt[:len(pkt)-1], packet.ErrTruncated},
		{"opad long", append(bytes.Clone(pkt), 7), packet.ErrTrailingData},
	} {
		if _, _, err := decryptAll(bob, bob.self, c.data, packet.ReadOptions{}); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestMaxSize(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	w, err := packet.NewWriter(io.Discard, alice.self, bob.self.Peer(), packet.PlainHeader{Type: packet.TypeFile}, packet.WriteOptions{MaxSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 1000)); !errors.Is(err, packet.ErrTooBig) {
		t.Fatalf("got %v", err)
	}
}

// peel decrypts one layer and returns its plain header and payload.
func peel(t *testing.T, kr *keyring, data []byte) (packet.PlainHeader, []byte) {
	t.Helper()
	got, r, err := decryptAll(kr, kr.self, data, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Plain(), got[276:]
}

func TestRelayLayers(t *testing.T) {
	alice, bob, carol := loadKeyring(t, "alice"), loadKeyring(t, "bob"), loadKeyring(t, "carol")
	// carol knows alice only through bob; for this test let her know alice.
	carol.peers[alice.self.ID] = alice.self.Peer()
	body := payload(200000)
	for _, route := range [][]*keyring{{bob, carol}, {bob, bob, carol}} {
		var peers []packet.Peer
		for _, k := range route {
			peers = append(peers, k.self.Peer())
		}
		var out bytes.Buffer
		w, err := packet.NewRelayWriter(&out, alice.self, peers, packet.PlainHeader{Type: packet.TypeFile, Path: []byte("x")}, packet.WriteOptions{Nice: 100, MinSize: 600 << 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// Padding is computed through the layers as NNCP does; the tags of
		// the outer layers then grow with it, so the result is a little
		// over minsize, by a predictable amount.
		want := packet.EncryptedSize(276+int64(len(body)), packet.PadFor(int64(len(body)), 600<<10, len(route)))
		for range route[1:] {
			want = packet.EncryptedSize(276+want, 0)
		}
		if int64(out.Len()) != want || out.Len() < 600<<10 {
			t.Errorf("route %d: outer size %d, want %d", len(route), out.Len(), want)
		}
		data := out.Bytes()
		for i, k := range route[:len(route)-1] {
			ph, inner := peel(t, k, data)
			if ph.Type != packet.TypeTrns || !bytes.Equal(ph.Path, route[i+1].self.ID[:]) || ph.Nice != 0 {
				t.Fatalf("layer %d: %v nice %d", i, ph.Type, ph.Nice)
			}
			h, _ := packet.ParseEncHeader(inner)
			if h.Nice != 100 {
				t.Fatalf("layer %d inner nice %d", i, h.Nice)
			}
			data = inner
		}
		ph, got := peel(t, carol, data)
		if ph.Type != packet.TypeFile || !bytes.Equal(got, body) {
			t.Fatalf("final layer wrong")
		}
	}
}

func TestAreaOrigination(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	alice.peers[alice.self.ID] = alice.self.Peer()
	var out bytes.Buffer
	w, msg, err := packet.NewAreaWriter(&out, alice.self, alice.area.Peer(), packet.PlainHeader{Type: packet.TypeFile, Path: []byte("a.txt")}, packet.WriteOptions{Nice: 224})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "hello area\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ph, inner := peel(t, alice, out.Bytes())
	if ph.Type != packet.TypeArea || !bytes.Equal(ph.Path, alice.area.ID[:]) {
		t.Fatalf("outer %v", ph.Type)
	}
	if packet.MsgHash(inner) != msg {
		t.Fatal("msg hash mismatch")
	}
	got, r, err := decryptAll(bob, bob.area, inner, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got[276:]) != "hello area\n" || string(r.Plain().Path) != "a.txt" {
		t.Fatal("inner message wrong")
	}
	// An unknown originator is refused unless the area allows it.
	stranger := &keyring{peers: map[packet.ID]packet.Peer{}}
	if _, _, err := decryptAll(stranger, bob.area, inner, packet.ReadOptions{}); !errors.Is(err, packet.ErrUnknownSender) {
		t.Fatalf("unknown sender: %v", err)
	}
	if _, _, err := decryptAll(stranger, bob.area, inner, packet.ReadOptions{AllowUnknown: true}); err != nil {
		t.Fatalf("allow-unknown: %v", err)
	}
}

func TestExecCompression(t *testing.T) {
	var buf bytes.Buffer
	w, _ := packet.NewExecCompressor(&buf)
	if _, err := io.WriteString(w, "exec body\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00}) {
		t.Fatalf("frame header % x", buf.Bytes()[:6])
	}
	r, err := packet.NewExecDecompressor(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "exec body\n" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	m := &packet.Meta{FileSize: 40000, ChunkSize: 16384, Checksums: []packet.ID{{1}, {2}, {3}}}
	b, _ := m.MarshalBinary()
	if len(b) != 28+96 {
		t.Fatal(len(b))
	}
	m2, err := packet.ParseMeta(b)
	if err != nil || m2.FileSize != 40000 || len(m2.Checksums) != 3 || m2.Checksums[2] != m.Checksums[2] {
		t.Fatalf("%+v %v", m2, err)
	}
	old := bytes.Clone(b)
	old[7] = 1
	if _, err := packet.ParseMeta(old); !errors.Is(err, packet.ErrMetaTooOld) {
		t.Fatal(err)
	}
}

func TestKDFVector(t *testing.T) {
	shared := make([]byte, 32)
	for i := range shared {
		shared[i] = byte(i)
	}
	full, size, pad, opad := packet.DeriveKeysForTest(shared)
	for _, c := range []struct{ got, want string }{
		{full, "94b2f7a7a863f2c6840619b030133e4dfb48f575b328249f3d788fd9df96f634"},
		{size, "73e6e4e48154675140cbccae4f6903aa5976fe017d892f2699727e978a535090"},
		{pad, "75f18939d8d20309f12295b33016418a2a26243ebc315b076cdd74ae13676cb8"},
		{opad, "a2ca23e3980a049fa5b31891d5190105"},
	} {
		if c.got != c.want {
			t.Errorf("got %s want %s", c.got, c.want)
		}
	}
}

func TestNodeIDVector(t *testing.T) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	pub := ed25519Pub(seed)
	if s := packet.B32.EncodeToString(pub); s != "AOQQPP7TZYIL4HLQ3UMOOS6ATFT6JVRQTOSQ2XY53SDGIESVGG4A" {
		t.Fatal(s)
	}
	if id := packet.NodeID(pub); id.String() != "TUSOF3VPE7BKBCFFMSRS7QB2RAW43GAE3PANAOQRSSI6KS5AZEZQ" {
		t.Fatal(id)
	}
}
