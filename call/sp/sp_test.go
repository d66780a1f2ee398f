package sp

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

func TestEnvelopeExample(t *testing.T) {
	var b bytes.Buffer
	if err := WriteEnvelope(&b, []byte{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b.Bytes()); got != "4e4e43505300000100000005"+"0102030405"+"000000" {
		t.Fatal(got)
	}
	data, err := ReadEnvelope(&b, nil)
	if err != nil || !bytes.Equal(data, []byte{1, 2, 3, 4, 5}) {
		t.Fatal(data, err)
	}
}

func TestRoundTrip(t *testing.T) {
	msgs := []Msg{
		{Type: TypeInfo, Nice: 224, Size: 12345, Hash: packet.ID{1}},
		{Type: TypeFreq, Hash: packet.ID{2}, Offset: 99},
		{Type: TypeFile, Hash: packet.ID{3}, Offset: 7, Data: []byte("hello")},
		{Type: TypeFile, Hash: packet.ID{4}, Offset: 8},
		{Type: TypeDone, Hash: packet.ID{5}},
		{Type: TypeHalt},
		{Type: TypePing},
	}
	var b []byte
	for i := range msgs {
		before := len(b)
		b = msgs[i].Append(b)
		if len(b)-before != msgs[i].Len() {
			t.Errorf("%v: Len %d, encoded %d", msgs[i].Type, msgs[i].Len(), len(b)-before)
		}
	}
	var got []Msg
	if err := Decode(b, func(m Msg) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) || string(got[2].Data) != "hello" || got[0].Size != 12345 || got[1].Offset != 99 {
		t.Fatalf("%+v", got)
	}
	for _, bad := range [][]byte{{0, 0, 0, 9}, {0, 0, 0, 0, 1}, {0, 0, 0}} {
		if Decode(bad, func(Msg) error { return nil }) == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

func TestHaltPadding(t *testing.T) {
	if HaltPadding(0) != 8160 {
		t.Error(HaltPadding(0))
	}
	// Two INFOs (96 bytes) pad to 32688 bytes in all, as NNCP's do.
	if 96+4*HaltPadding(96) != 32688 {
		t.Error(96 + 4*HaltPadding(96))
	}
}

func FuzzDecodePayload(f *testing.F) {
	f.Add((&Msg{Type: TypeInfo, Nice: 1, Size: 2}).Append(nil))
	f.Add((&Msg{Type: TypeFile, Data: []byte("abc")}).Append((&Msg{Type: TypeHalt}).Append(nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out []byte
		err := Decode(b, func(m Msg) error { out = m.Append(out); return nil })
		if err != nil {
			return
		}
		// Accepted payloads re-encode to the same bytes, but for FILE pad
		// bytes, which NNCP's decoder does not check either.
		var again []byte
		if Decode(out, func(m Msg) error { again = m.Append(again); return nil }) != nil || !bytes.Equal(out, again) {
			t.Fatal("re-encoding is not stable")
		}
		if len(out) != len(b) {
			t.Fatalf("re-encoded %d bytes from %d", len(out), len(b))
		}
	})
}

// TestAppendEnvelope: an envelope sealed in place is the one
// WriteEnvelope writes, and a failed seal leaves the buffer as it was.
func TestAppendEnvelope(t *testing.T) {
	for _, data := range [][]byte{nil, {1}, {1, 2, 3, 4}, {1, 2, 3, 4, 5}} {
		var w bytes.Buffer
		if err := WriteEnvelope(&w, data); err != nil {
			t.Fatal(err)
		}
		got, err := AppendEnvelope([]byte("prefix"), func(b []byte) ([]byte, error) { return append(b, data...), nil })
		if err != nil || string(got[:6]) != "prefix" || !bytes.Equal(got[6:], w.Bytes()) {
			t.Errorf("%x: appended %x, written %x, %v", data, got, w.Bytes(), err)
		}
	}
	got, err := AppendEnvelope([]byte("prefix"), func(b []byte) ([]byte, error) { return b, errNotPing })
	if err == nil || string(got) != "prefix" {
		t.Errorf("failed seal: %q, %v", got, err)
	}
}

// TestOnlyPings: a PING-only payload is told by its types, not its
// length (a DONE is not a PING, a HALT is four bytes too).
func TestOnlyPings(t *testing.T) {
	ping := (&Msg{Type: TypePing}).Append(nil)
	for _, c := range []struct {
		payload []byte
		want    bool
	}{
		{ping, true},
		{append(append([]byte{}, ping...), ping...), true},
		{(&Msg{Type: TypeHalt}).Append(nil), false},
		{(&Msg{Type: TypeDone}).Append(nil), false},
		{append(append([]byte{}, ping...), (&Msg{Type: TypeDone}).Append(nil)...), false},
		{nil, false},
		{[]byte{0, 0, 0, 9}, false},
	} {
		if got := OnlyPings(c.payload); got != c.want {
			t.Errorf("%x: %v, want %v", c.payload, got, c.want)
		}
	}
}
