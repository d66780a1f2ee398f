package media_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// FuzzXferRxNames puts one fuzzed entry (sender directory, file name,
// content) on a medium beside a real packet and runs xfer --rx. Only a
// canonical sender id and a canonical packet name whose content hashes
// to it may be taken; anything else stays on the medium as it was; the
// real packet arrives whatever sits beside it.
func FuzzXferRxNames(f *testing.F) {
	vecDir := filepath.Join("testdata", "xfer", bob.String(), alice.String())
	base, other := vecPkts[0], vecPkts[1]
	baseData, err := os.ReadFile(filepath.Join(vecDir, base))
	if err != nil {
		f.Fatal(err)
	}
	otherData, err := os.ReadFile(filepath.Join(vecDir, other))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []struct{ sender, name string }{
		{alice.String(), other}, {alice.String(), strings.ToLower(other)}, {alice.String(), other + ".part"},
		{alice.String(), other[:51]}, {alice.String(), other[:51] + "B"}, {alice.String(), ".ferryxfer.1a2b"},
		{strings.ToLower(alice.String()), other}, {alice.String()[:51] + "B", other}, {bob.String(), other},
		{".", other}, {"..", other}, {alice.String(), base + " "}, {alice.String(), "seen"},
	} {
		f.Add(s.sender, s.name, otherData)
	}
	f.Add(alice.String(), other, otherData[:200])
	f.Add(alice.String(), other, baseData)
	f.Fuzz(func(t *testing.T, sender, name string, data []byte) {
		if !validName(sender) || !validName(name) || (sender == alice.String() && name == base) {
			return // not a directory entry, or the real packet itself
		}
		dir := t.TempDir()
		realDir := filepath.Join(dir, bob.String(), alice.String())
		fuzzed := filepath.Join(dir, bob.String(), sender, name)
		for _, d := range []string{realDir, filepath.Dir(fuzzed)} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(realDir, base), baseData, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fuzzed, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sp, err := spool.Open(t.TempDir(), bob, spool.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		// Junk is refused with an error; what is checked is what the
		// spool took.
		_, _ = media.XferRx(sp, dir, media.Options{})

		baseID, _ := packet.ParseID(base)
		if !sp.Has(alice, spool.RX, baseID) {
			t.Fatalf("the real packet did not arrive beside %s/%s", sender, name)
		}
		senderID, serr := packet.ParseID(sender)
		id, ierr := packet.ParseID(name)
		taken := serr == nil && ierr == nil && sp.Has(senderID, spool.RX, id)
		if !taken {
			if got, err := os.ReadFile(fuzzed); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s/%s was not taken, but is gone or changed on the medium (%v)", sender, name, err)
			}
		} else {
			if senderID.String() != sender || id.String() != name {
				t.Fatalf("took %s/%s under a name that is not canonical", sender, name)
			}
			if sum, _, err := packet.MTHOf(bytes.NewReader(data)); err != nil || sum != id {
				t.Fatalf("took %s/%s whose content hashes to %s", sender, name, sum)
			}
		}
		for _, node := range []packet.ID{alice, senderID} {
			jobs, _, _ := sp.Jobs(node, spool.RX)
			for _, j := range jobs {
				if ok, err := sp.Verify(node, spool.RX, j.ID); !ok {
					t.Fatalf("stored %s whose content does not match its name (%v)", j.ID, err)
				}
			}
		}
	})
}

// validName reports whether s can be one entry of a directory.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) < 256 && !strings.ContainsAny(s, "/\x00")
}
