package packet_test

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/ferry-dtn/ferry/packet"
)

// readOut decrypts data and returns the payload read before the end or
// the error, and the error text ("" at a verified end); sequential: block
// by block, never in batches.
func readOut(kr *keyring, data []byte, oneByte, sequential bool) ([]byte, string) {
	var out bytes.Buffer
	return readOutTo(&out, kr, data, oneByte, sequential)
}

// readOutTo is readOut into out, emptied first and grown once to what
// the payload can be at most (the packet's length), not by doubling.
func readOutTo(out *bytes.Buffer, kr *keyring, data []byte, oneByte, sequential bool) ([]byte, string) {
	out.Reset()
	out.Grow(len(data))
	var src io.Reader = bytes.NewReader(data)
	if oneByte {
		src = iotest.HalfReader(src) // reads that return less than asked
	}
	r, err := packet.NewReader(src, kr.self, kr.lookup, packet.ReadOptions{})
	if err != nil {
		return nil, err.Error()
	}
	if sequential {
		packet.ReadSequentially(r)
	}
	if _, err := io.Copy(out, r); err != nil {
		return out.Bytes(), err.Error()
	}
	return out.Bytes(), ""
}

// TestBatchedOpenMatchesSequential: opening blocks in parallel batches
// must be invisible: for intact packets of every length around the batch
// edges, and for damaged ones (flipped bytes in any block, cuts, trailing
// data), the batched reader yields the same bytes and the same error as
// the block-by-block one.
func TestBatchedOpenMatchesSequential(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	counts, deltas := []int{8, 9, 16, 17, 24, 25}, []int{-277, -276, -275, -260, -1, 0, 5}
	if testing.Short() {
		// make test's -race run: batches start, fill and end early, with
		// the SIZE block split; the edges' full matrix runs without -short.
		counts, deltas = []int{9, 17, 25}, []int{-277, -276, 0}
	}
	var sizes []int
	for _, blocks := range counts {
		for _, d := range deltas {
			sizes = append(sizes, blocks*B+d)
		}
	}
	var sealed, opened bytes.Buffer // reused: the time goes to the crypto
	for _, n := range sizes {
		body := payload(n)
		for _, minSize := range []int64{0, 27*B + 3} {
			pkt := sealTo(t, &sealed, alice.self, bob.self.Peer(), body, packet.WriteOptions{MinSize: minSize})
			got, errText := readOutTo(&opened, bob, pkt, false, false)
			if errText != "" || !bytes.Equal(got, body) {
				t.Fatalf("size %d min %d: intact packet read as %d bytes, %q", n, minSize, len(got), errText)
			}
		}
	}

	body := payload(20*B + 999)
	pkt := seal(t, alice.self, bob.self.Peer(), body, packet.WriteOptions{MinSize: 22 * B})
	blk := B + packet.TagSize
	var cases []struct {
		name string
		data []byte
	}
	add := func(name string, d []byte) {
		cases = append(cases, struct {
			name string
			data []byte
		}{name, d})
	}
	for _, at := range []int{
		packet.EncHeaderSize + 9*blk + 7, packet.EncHeaderSize + 12*blk, packet.EncHeaderSize + 16*blk - 1,
		packet.EncHeaderSize + 20*blk + 3, packet.EncHeaderSize + 21*blk + 100, len(pkt) - 1,
	} {
		d := bytes.Clone(pkt)
		d[at] ^= 0x20
		add("flip", d)
	}
	for _, cut := range []int{
		packet.EncHeaderSize + 9*blk, packet.EncHeaderSize + 9*blk + 1, packet.EncHeaderSize + 16*blk,
		packet.EncHeaderSize + 20*blk + 17, packet.EncHeaderSize + 21*blk, len(pkt) - 1,
	} {
		add("cut", pkt[:cut])
	}
	add("trailing", append(bytes.Clone(pkt), 0))
	add("intact", pkt)
	for _, c := range cases {
		for _, oneByte := range []bool{false, true} {
			wantOut, wantErr := readOut(bob, c.data, oneByte, true)
			gotOut, gotErr := readOut(bob, c.data, oneByte, false)
			if gotErr != wantErr || !bytes.Equal(gotOut, wantOut) {
				t.Errorf("%s (%d bytes): batched gave %d bytes, %q; sequential %d bytes, %q",
					c.name, len(c.data), len(gotOut), gotErr, len(wantOut), wantErr)
			}
			if c.name != "intact" && wantErr == "" {
				t.Errorf("%s (%d bytes): damage not detected", c.name, len(c.data))
			}
		}
	}
}

// readMixed decrypts data reading into buffers of varying sizes, from
// less than a block to several batches, so that batches decrypted
// straight into the caller's buffer alternate with batches handed out
// block by block; it returns the payload and the error text, as readOut.
func readMixed(kr *keyring, data []byte) ([]byte, string) {
	r, err := packet.NewReader(bytes.NewReader(data), kr.self, kr.lookup, packet.ReadOptions{})
	if err != nil {
		return nil, err.Error()
	}
	const B = packet.BlockSize
	sizes := []int{8 * B, 100, 3*B + 5, B - 1, B, 32 * B, 2 * B, 1}
	var out []byte
	buf := make([]byte, 32*B)
	for i := 0; ; i++ {
		p := buf[:sizes[i%len(sizes)]]
		clear(p)
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, ""
		}
		if err != nil {
			return out, err.Error()
		}
	}
}

// TestReadIntoLargeBuffer: a Read into a buffer of several blocks, past
// the first blocks, is given a whole batch at once (decrypted in place,
// not block by block through the reader's own buffers), and reading with
// any mix of buffer sizes yields what the block-by-block reader does,
// for intact and damaged packets.
func TestReadIntoLargeBuffer(t *testing.T) {
	alice, bob := loadKeyring(t, "alice"), loadKeyring(t, "bob")
	const B = packet.BlockSize
	body := payload(40*B + 999)
	pkt := seal(t, alice.self, bob.self.Peer(), body, packet.WriteOptions{MinSize: 42 * B})

	r, err := packet.NewReader(bytes.NewReader(pkt), bob.self, bob.lookup, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The first 8 blocks are opened one by one, the next 8 as a batch.
	if _, err := io.ReadFull(r, make([]byte, 16*B-packet.PlainHeaderSize)); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 8*B)
	n, err := r.Read(p)
	if err != nil || n != 8*B {
		t.Errorf("read into 8 blocks gave %d bytes (%v), want a whole batch of %d", n, err, 8*B)
	}
	if !bytes.Equal(p[:n], body[16*B-packet.PlainHeaderSize:][:n]) {
		t.Errorf("the batch read in place differs")
	}

	blk := B + packet.TagSize
	cases := map[string][]byte{"intact": pkt, "trailing": append(bytes.Clone(pkt), 0)}
	for i, at := range []int{packet.EncHeaderSize + 9*blk + 7, packet.EncHeaderSize + 17*blk, packet.EncHeaderSize + 33*blk - 1,
		packet.EncHeaderSize + 40*blk + 3, len(pkt) - 1} {
		d := bytes.Clone(pkt)
		d[at] ^= 0x20
		cases["flip"+strconv.Itoa(i)] = d
	}
	for i, cut := range []int{packet.EncHeaderSize + 16*blk, packet.EncHeaderSize + 17*blk + 1, packet.EncHeaderSize + 40*blk + 17, len(pkt) - 1} {
		cases["cut"+strconv.Itoa(i)] = pkt[:cut]
	}
	for name, data := range cases {
		wantOut, wantErr := readOut(bob, data, false, true)
		gotOut, gotErr := readMixed(bob, data)
		if gotErr != wantErr || !bytes.Equal(gotOut, wantOut) {
			t.Errorf("%s: mixed reads gave %d bytes, %q; sequential %d bytes, %q", name, len(gotOut), gotErr, len(wantOut), wantErr)
		}
		if name != "intact" && wantErr == "" {
			t.Errorf("%s: damage not detected", name)
		}
	}
}
