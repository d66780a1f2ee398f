package call_test

import (
	"bytes"
	"crypto/subtle"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/flynn/noise"

	"github.com/ferry-dtn/ferry/call/sp"
	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
	"github.com/ferry-dtn/ferry/packet"
)

// The fuzz targets drive the daemon's side (bob) from a peer written
// here with the Noise library directly, so what they check does not rest
// on the code under test: the wire is NNCP's Noise_IK_25519_ChaChaPoly_BLAKE2b
// inside sp envelopes.
var fuzzSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2b)

// fuzzConfig parses a lab config with its paths under dir.
func fuzzConfig(tb testing.TB, name, dir string) *cfg.Config {
	tb.Helper()
	return labnode.Config(tb, name, dir)
}

func noiseKey(c *cfg.Config) noise.DHKey {
	return noise.DHKey{Private: c.Self.NoisePrv[:], Public: c.Self.NoisePub[:]}
}

// msg1 is a first handshake message from key to the responder's public
// key carrying payload.
func msg1(tb testing.TB, key noise.DHKey, responder []byte, payload []byte) (*noise.HandshakeState, []byte) {
	tb.Helper()
	hs, err := noise.NewHandshakeState(noise.Config{CipherSuite: fuzzSuite, Pattern: noise.HandshakeIK, Initiator: true, StaticKeypair: key, PeerStatic: responder})
	if err != nil {
		tb.Fatal(err)
	}
	m, _, _, err := hs.WriteMessage(nil, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return hs, m
}

func framed(data []byte) []byte {
	var b bytes.Buffer
	if err := sp.WriteEnvelope(&b, data); err != nil {
		panic(err) // a seed too large to frame: a mistake in the seeds
	}
	return b.Bytes()
}

// knownCaller decodes the first envelope of stream as the responder c
// would and returns the neighbour (never self) whose key made it, if any.
func knownCaller(c *cfg.Config, stream []byte) *cfg.Node {
	data, err := sp.ReadEnvelope(bytes.NewReader(stream), nil)
	if err != nil {
		return nil
	}
	hs, err := noise.NewHandshakeState(noise.Config{CipherSuite: fuzzSuite, Pattern: noise.HandshakeIK, StaticKeypair: noiseKey(c)})
	if err != nil {
		return nil
	}
	if _, _, _, err := hs.ReadMessage(nil, data); err != nil {
		return nil
	}
	for name, n := range c.Neigh {
		if name != "self" && n.NoisePub != nil && subtle.ConstantTimeCompare(n.NoisePub[:], hs.PeerStatic()) == 1 {
			return n
		}
	}
	return nil
}

// scriptConn is a connection whose peer says exactly script and then
// hangs up; what the daemon writes is kept.
type scriptConn struct {
	r      *bytes.Reader
	mu     sync.Mutex
	w      bytes.Buffer
	closed bool
}

func (c *scriptConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *scriptConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

func (c *scriptConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

func (c *scriptConn) written() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Len()
}

// filesOutside lists the files under root that are not under keep.
func filesOutside(tb testing.TB, root, keep string) []string {
	tb.Helper()
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error { // the callback fails the test itself
		if err != nil {
			tb.Fatal(err)
		}
		if p == keep && d.IsDir() {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// vectorPacket reads one NNCP vector packet and its name.
func vectorPacket(tb testing.TB, kind string) (packet.ID, []byte) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(vecDir, "packets", kind, "*"))
	if len(files) != 1 {
		tb.Fatalf("vector %s: %d files", kind, len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		tb.Fatal(err)
	}
	id, err := packet.ParseID(filepath.Base(files[0]))
	if err != nil {
		tb.Fatal(err)
	}
	return id, b
}
