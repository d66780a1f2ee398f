package call_test

import (
	"context"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// fakeDisk plays a small filesystem holding one spool: its free space is
// its capacity less what the spool's files take.
type fakeDisk struct {
	mu       sync.Mutex
	dir      string
	capacity uint64
}

func (d *fakeDisk) space(string) (spool.Space, error) {
	used := du(d.dir)
	d.mu.Lock()
	defer d.mu.Unlock()
	return spool.Space{Avail: d.capacity - min(used, d.capacity), Total: d.capacity}, nil
}

func (d *fakeDisk) grow(n uint64) {
	d.mu.Lock()
	d.capacity += n
	d.mu.Unlock()
}

func du(dir string) uint64 {
	var n uint64
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error { // files going meanwhile are not counted
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				n += uint64(fi.Size())
			}
		}
		return nil
	})
	return n
}

// smallDisk reopens n's spool on a fakeDisk with room bytes free above
// a reserve of reserve bytes.
func smallDisk(t *testing.T, n *node, room, reserve uint64) *fakeDisk {
	t.Helper()
	d := &fakeDisk{dir: n.c.Spool}
	d.capacity = du(d.dir) + room + reserve
	sp, err := spool.Open(n.c.Spool, n.c.Self.ID, spool.Options{NoSync: true, Space: d.space})
	if err != nil {
		t.Fatal(err)
	}
	n.sp = sp
	n.c.Reserve = cfg.Reserve{Set: true, Bytes: reserve}
	return d
}

// notes is a slog.Handler keeping the records with a given message.
type notes struct {
	mu  sync.Mutex
	msg string
	got []map[string]string
}

func (n *notes) Enabled(context.Context, slog.Level) bool { return true }
func (n *notes) WithAttrs([]slog.Attr) slog.Handler       { return n }
func (n *notes) WithGroup(string) slog.Handler            { return n }
func (n *notes) Handle(_ context.Context, r slog.Record) error {
	if r.Message != n.msg {
		return nil
	}
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	n.mu.Lock()
	n.got = append(n.got, m)
	n.mu.Unlock()
	return nil
}

func (n *notes) all() []map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]map[string]string(nil), n.got...)
}

const noRoomMsg = "packet not requested: it does not fit in the free space above the reserve"

// A packet larger than the free space above the reserve is not asked
// for: one log line names it, the small ones beside it arrive in the
// same call, the spool stays above its reserve, and once space is freed
// the next call brings the big one too.
func TestBigPacketSkippedWhenSpoolIsSmall(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	const reserve, room = 1 << 20, 3 << 20
	disk := smallDisk(t, alice, room, reserve)
	big := queue(t, bob, alice, 6<<20, 96)
	var small []packet.ID
	for i := 0; i < 5; i++ {
		small = append(small, queue(t, bob, alice, 40000+i, uint8(96+i%2*128)))
	}
	log := &notes{msg: noRoomMsg}
	aopt := quick()
	aopt.Log = slog.New(log)
	st, cerr, serr := session(t, alice, bob, aopt, quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	from := bob.c.Self.ID
	for _, id := range small {
		if ok, err := alice.sp.Verify(from, spool.RX, id); !ok {
			t.Errorf("small packet %s did not arrive beside the big one: %v", id, err)
		}
	}
	if alice.sp.Has(from, spool.RX, big) || !bob.sp.Has(alice.c.Self.ID, spool.TX, big) {
		t.Fatal("the big packet moved although it does not fit")
	}
	if _, ok := alice.sp.PartSize(from, big); ok {
		t.Error("the big packet was requested: a .part exists")
	}
	if st.NoRoom != 1 || st.RxPkts != len(small) {
		t.Errorf("stats %+v, want 1 not requested and %d received", st, len(small))
	}
	lines := log.all()
	if len(lines) != 1 || lines[0]["pkt"] != big.String() || lines[0]["size"] == "" ||
		lines[0]["free"] == "" || lines[0]["reserve"] != "1048576" {
		t.Errorf("want one log line naming %s with its size, the free space and the reserve, got %v", big, lines)
	}
	if used := du(disk.dir); used > disk.capacity-reserve {
		t.Errorf("spool holds %d bytes, past its reserve (capacity %d, reserve %d)", used, disk.capacity, reserve)
	}

	disk.grow(8 << 20) // space freed
	st, cerr, serr = session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatalf("second call: %v, serve: %v", cerr, serr)
	}
	if ok, err := alice.sp.Verify(from, spool.RX, big); !ok || st.RxPkts != 1 || st.NoRoom != 0 {
		t.Errorf("the big packet did not arrive once space was freed: %v, stats %+v", err, st)
	}
}

// Offers that each fit but together do not: the space promised to the
// first downloads counts against the next, so the spool never passes
// its reserve, and what is left waits for the next call.
func TestOffersDoNotOverflowTogether(t *testing.T) {
	t.Parallel()
	_, alice, bob := lab(t)
	const reserve, room = 2 << 20, 5 << 20
	disk := smallDisk(t, alice, room, reserve)
	var ids []packet.ID
	for i := 0; i < 4; i++ {
		ids = append(ids, queue(t, bob, alice, 2<<20, 128))
	}
	st, cerr, serr := session(t, alice, bob, quick(), quick())
	if cerr != nil || serr != nil {
		t.Fatalf("call: %v, serve: %v", cerr, serr)
	}
	if st.RxPkts != 2 || st.NoRoom != 2 {
		t.Errorf("stats %+v, want 2 received and 2 not requested", st)
	}
	if used := du(disk.dir); used > disk.capacity-reserve {
		t.Errorf("spool holds %d bytes, past its reserve (capacity %d, reserve %d)", used, disk.capacity, reserve)
	}
	disk.grow(8 << 20)
	if _, cerr, serr := session(t, alice, bob, quick(), quick()); cerr != nil || serr != nil {
		t.Fatalf("second call: %v, serve: %v", cerr, serr)
	}
	for _, id := range ids {
		if !alice.sp.Has(bob.c.Self.ID, spool.RX, id) {
			t.Errorf("%s missing after space was freed", id)
		}
	}
}
