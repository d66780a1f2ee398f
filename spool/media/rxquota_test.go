package media_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/media"
)

// rxQuotaCases are quotas for alice's rx queue at bob against the two
// vector packets: how many of them fit.
var rxQuotaCases = []struct {
	name  string
	quota spool.Quota
	fit   int
}{
	{"none", spool.Quota{}, 2},
	{"own packets", spool.Quota{Own: spool.Limit{Packets: 1}}, 1},
	{"global packets", spool.Quota{All: spool.Limit{Packets: 1}}, 1},
	{"own bytes", spool.Quota{Own: spool.Limit{Bytes: 1}}, 0},
	{"roomy", spool.Quota{Own: spool.Limit{Bytes: 1 << 30, Packets: 10}}, 2},
}

func quotaOf(q spool.Quota) func(packet.ID) spool.Quota {
	return func(packet.ID) spool.Quota { return q }
}

// checkOverQuota checks a run that should have taken fit of the two
// vector packets and left the rest for the quota.
func checkOverQuota(t *testing.T, sp *spool.Spool, st media.Stats, err error, fit int) {
	t.Helper()
	left := 2 - fit
	if st.Packets != fit || st.OverQuota != left || st.Failed != 0 || st.Refused != 0 {
		t.Errorf("stats %+v, want %d taken and %d over quota", st, fit, left)
	}
	if got := len(rxNames(t, sp, alice)); got != fit {
		t.Errorf("%d packets in rx, want %d", got, fit)
	}
	switch {
	case left == 0 && err != nil:
		t.Errorf("err %v, want none", err)
	case left > 0 && (!errors.Is(err, spool.ErrQuotaFull) || !errors.Is(err, media.ErrSomeFailed)):
		t.Errorf("err %v, want one matching ErrQuotaFull and ErrSomeFailed", err)
	}
}

func TestXferRxKeepsRxQuota(t *testing.T) {
	for _, c := range rxQuotaCases {
		t.Run(c.name, func(t *testing.T) {
			sp := openSpool(t, bob)
			dir := t.TempDir()
			copyTree(t, "testdata/xfer", dir)
			st, err := media.XferRx(sp, dir, media.Options{RxQuota: quotaOf(c.quota)})
			checkOverQuota(t, sp, st, err, c.fit)
			taken := rxNames(t, sp, alice)
			for _, p := range vecPkts {
				_, statErr := os.Stat(filepath.Join(dir, bob.String(), alice.String(), p))
				if onMedium := statErr == nil; onMedium == has(taken, p) {
					t.Errorf("%s: on the medium %v, in rx %v: want exactly one", p, onMedium, has(taken, p))
				}
			}
		})
	}
}

func TestBundleRxKeepsRxQuota(t *testing.T) {
	for _, c := range rxQuotaCases {
		t.Run(c.name, func(t *testing.T) {
			sp := openSpool(t, bob)
			f, err := os.Open("testdata/bundle/alice-to-bob.tar")
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }() // read only
			st, err := media.BundleRx(f, sp, media.RxOptions{Options: media.Options{RxQuota: quotaOf(c.quota)}})
			checkOverQuota(t, sp, st, err, c.fit)
		})
	}
}
