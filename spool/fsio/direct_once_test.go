package fsio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// cachedBytes is how much of p the page cache holds (cachestat).
func cachedBytes(t *testing.T, p string) int64 {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	var st unix.Cachestat_t
	rng := unix.CachestatRange{Off: 0, Len: 0} // Len 0: to the end
	if err := unix.Cachestat(uint(f.Fd()), &rng, &st, 0); err != nil {
		t.Skipf("no cachestat (%v): the page cache cannot be looked at", err)
	}
	return int64(st.Cache) * int64(os.Getpagesize())
}

// TestStreamOnceDropsCache: a large cached file read with OpenStreamOnce
// is read ahead through the cache, whole and unchanged, and leaves the
// cache without its pages; OpenStream leaves them there.
func TestStreamOnceDropsCache(t *testing.T) {
	t.Parallel()
	n := directReadAfter + 3*directChunk + 4321
	want := pattern(n)
	p := filepath.Join(t.TempDir(), "pkt")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	err = errors.Join(f.Sync(), unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED), f.Close())
	if err != nil {
		t.Fatal(err)
	}
	if c := cachedBytes(t, p); c > int64(n)/2 {
		t.Skipf("this filesystem keeps its pages (%d of %d bytes cached after FADV_DONTNEED)", c, n)
	}
	for _, once := range []bool{false, true} {
		if _, err := os.ReadFile(p); err != nil { // into the cache
			t.Fatal(err)
		}
		if c := cachedBytes(t, p); c < int64(n)/2 {
			t.Fatalf("only %d of %d bytes cached after a read", c, n)
		}
		r, err := openStreamAt(p, 0, readMode{once: once})
		if err != nil {
			t.Fatal(err)
		}
		if r.src == nil || r.dfd != nil {
			t.Fatalf("once %v: read ahead %v, O_DIRECT %v; want read ahead through the cache", once, r.src != nil, r.dfd != nil)
		}
		got, err := io.ReadAll(r)
		if err := errors.Join(err, r.Close()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("once %v: read %d bytes, differs", once, len(got))
		}
		c := cachedBytes(t, p)
		if once && c > int64(n)/8 {
			t.Errorf("read once: %d of %d bytes still cached", c, n)
		}
		if !once && c < int64(n)/2 {
			t.Errorf("read with OpenStream: %d of %d bytes cached, want them kept", c, n)
		}
	}
}
