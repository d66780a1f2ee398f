package packet_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
)

type vectorPacket struct {
	File       string `json:"file"`
	PacketName string `json:"packet_name"`
	Size       int64  `json:"size"`
	Sender     string `json:"sender"`
	Recipient  string `json:"recipient"`
	PlainFile  string `json:"plain_file"`
	EncHeader  struct {
		Nice int `json:"nice"`
	} `json:"encrypted_header"`
	Plain struct {
		TypeCode    int    `json:"type_code"`
		Nice        int    `json:"nice"`
		PathHex     string `json:"path_hex"`
		PayloadSize int64  `json:"payload_size"`
	} `json:"plain"`
}

type vector struct {
	Case string `json:"case"`
	vectorPacket
	Packets []vectorPacket `json:"packets"`
	Expect  struct {
		MsgHash string `json:"msg_hash"`
	} `json:"expect"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/nncp/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Vectors []vector }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Vectors
}

// allPackets flattens the manifest, chunked case included.
func allPackets(t testing.TB) map[string]vectorPacket {
	out := map[string]vectorPacket{}
	for _, v := range loadVectors(t) {
		if len(v.Packets) > 0 {
			for i, p := range v.Packets {
				out[v.Case+"/"+string(rune('0'+i))] = p
			}
			continue
		}
		out[v.Case] = v.vectorPacket
	}
	return out
}

func readVec(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "nncp", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decryptAll decrypts a whole packet and returns the raw plain header plus payload.
func decryptAll(kr *keyring, me *packet.Identity, data []byte, opt packet.ReadOptions) ([]byte, *packet.Reader, error) {
	r, err := packet.NewReader(bytes.NewReader(data), me, kr.lookup, opt)
	if err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	out.Write(r.RawPlain())
	if _, err := io.Copy(&out, r); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), r, nil
}

func TestVectorsDecryptAndName(t *testing.T) {
	for name, v := range allPackets(t) {
		t.Run(name, func(t *testing.T) {
			data := readVec(t, v.File)
			if int64(len(data)) != v.Size {
				t.Fatalf("size %d, manifest says %d", len(data), v.Size)
			}
			id, _, err := packet.MTHOf(bytes.NewReader(data))
			if err != nil || id.String() != v.PacketName {
				t.Fatalf("MTH %s, want name %s (%v)", id, v.PacketName, err)
			}
			kr := loadKeyring(t, v.Recipient)
			got, r, err := decryptAll(kr, kr.self, data, packet.ReadOptions{})
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if want := readVec(t, v.PlainFile); !bytes.Equal(got, want) {
				t.Fatalf("plain differs: got %d bytes, want %d", len(got), len(want))
			}
			if int(r.Header().Nice) != v.EncHeader.Nice {
				t.Errorf("outer nice %d, want %d", r.Header().Nice, v.EncHeader.Nice)
			}
			p := r.Plain()
			if int(p.Type) != v.Plain.TypeCode || int(p.Nice) != v.Plain.Nice {
				t.Errorf("plain type/nice %d/%d, want %d/%d", p.Type, p.Nice, v.Plain.TypeCode, v.Plain.Nice)
			}
			if int64(len(got)-packet.PlainHeaderSize) != v.Plain.PayloadSize {
				t.Errorf("payload %d, want %d", len(got)-packet.PlainHeaderSize, v.Plain.PayloadSize)
			}
		})
	}
}

// The area message inside the area packet decrypts with the area's key
// and its MsgHash matches the manifest.
func TestVectorAreaInner(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Case != "area-to-bob" && v.Case != "area-self" {
			continue
		}
		kr := loadKeyring(t, v.Recipient)
		plain, _, err := decryptAll(kr, kr.self, readVec(t, v.File), packet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		inner := plain[packet.PlainHeaderSize:]
		if got := packet.MsgHash(inner[:packet.EncHeaderSize]).String(); got != v.Expect.MsgHash {
			t.Errorf("%s: msg hash %s, want %s", v.Case, got, v.Expect.MsgHash)
		}
		body, r, err := decryptAll(kr, kr.area, inner, packet.ReadOptions{})
		if err != nil {
			t.Fatalf("%s: inner: %v", v.Case, err)
		}
		if r.Plain().Type != packet.TypeFile || string(r.Plain().Path) != "area.txt" {
			t.Errorf("%s: inner plain %v %q", v.Case, r.Plain().Type, r.Plain().Path)
		}
		_ = body
	}
}

func TestSpecEndToEndVector(t *testing.T) {
	data := readVec(t, "spec-vector.bin")
	me := &packet.Identity{}
	me.ID, _ = packet.ParseID("2WRXSAK3VPVMLSMZD3GY6FMCYFCPV2AK6W3FWCYNU2EX5GPYV6IA")
	prv, _ := packet.DecodeKey("77YRPTXVZYJ6VSM37MIQNQWTTKREOHWMN2LB2Z47CACSTYCV4YMQ", 32)
	copy(me.ExchPrv[:], prv)
	signPub, _ := packet.DecodeKey("ZCRDTRYLGFYZJKFECX56SWRBJSIMI4QR4XBADSR5CR7VVCYKVSYQ", 32)
	sender := packet.Peer{ID: packet.NodeID(signPub), SignPub: signPub}
	if sender.ID.String() != "JULQQSMKECDTH22O3CH3E4BWU5YWSZYQQ4FYZIUPRY4GLDKLZJGA" {
		t.Fatalf("node id derivation: %s", sender.ID)
	}
	kr := &keyring{peers: map[packet.ID]packet.Peer{sender.ID: sender}}
	got, r, err := decryptAll(kr, me, data, packet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Header().Nice != 224 || string(r.Plain().Path) != "v.txt" || string(got[packet.PlainHeaderSize:]) != "hi\n" {
		t.Fatalf("got nice %d path %q payload %q", r.Header().Nice, r.Plain().Path, got[packet.PlainHeaderSize:])
	}
	if id, _, _ := packet.MTHOf(bytes.NewReader(data)); id.String() != "R642NJKRFGS2DVAHMG7TH3PZ4AIX6VAAHBBV5E6UZI2IVAP7NHTA" {
		t.Fatalf("name %s", id)
	}
}

// Each kind of damage fails with its own error.
func TestVectorTampering(t *testing.T) {
	vs := allPackets(t)
	bob := loadKeyring(t, "bob")
	carol := loadKeyring(t, "carol")
	big := readVec(t, vs["file-300k-subdir"].File)       // 3 blocks: full, full, SIZE
	padded := readVec(t, vs["file-minsize-padded"].File) // SIZE block then OPAD
	flip := func(b []byte, off int) []byte {
		c := bytes.Clone(b)
		c[off] ^= 0x01
		return c
	}
	old := bytes.Clone(big)
	old[7] = 5
	cases := []struct {
		name string
		me   *packet.Identity
		data []byte
		want error
	}{
		{"wrong recipient key", carol.self, big, packet.ErrWrongRecipient},
		{"header nice", bob.self, flip(big, 11), packet.ErrBadSignature},
		{"header sender", bob.self, flip(big, 20), packet.ErrUnknownSender},
		{"signature", bob.self, flip(big, 120), packet.ErrBadSignature},
		{"full block", bob.self, flip(big, packet.EncHeaderSize+100), packet.ErrBlockAuth},
		{"second full block", bob.self, flip(big, packet.EncHeaderSize+131088+5), packet.ErrBlockAuth},
		{"SIZE block", bob.self, flip(big, len(big)-20), packet.ErrBlockAuth},
		{"inner padding", bob.self, flip(padded, len(padded)-1), packet.ErrBlockAuth},
		{"truncated", bob.self, big[:len(big)-1], packet.ErrTruncated},
		{"truncated at block edge", bob.self, big[:packet.EncHeaderSize+131088], packet.ErrTruncated},
		{"truncated inner padding", bob.self, padded[:len(padded)-10], packet.ErrTruncated},
		{"truncated header", bob.self, big[:100], packet.ErrTruncated},
		{"trailing data", bob.self, append(bytes.Clone(big), 0), packet.ErrTrailingData},
		{"older magic", bob.self, old, packet.ErrOldEncrypted},
		{"bad magic", bob.self, flip(big, 0), packet.ErrBadMagic},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kr := bob
			if c.me == carol.self {
				kr = carol
			}
			_, _, err := decryptAll(kr, c.me, c.data, packet.ReadOptions{})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}
