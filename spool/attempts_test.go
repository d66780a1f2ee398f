package spool_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func TestAttemptsRoundTrip(t *testing.T) {
	three := 3
	at := time.Date(2026, 12, 1, 23, 0, 0, 5, time.UTC)
	for _, a := range []spool.Attempts{
		{Failures: 1, Last: at},
		{Failures: 4, Last: at, Status: &three, Reason: "handler exited 3: mailbox full"},
		{Failures: 2, Last: at, Reason: "handler could not be started"},
	} {
		b := a.Append(nil)
		got, err := spool.ParseAttempts(b)
		if err != nil {
			t.Errorf("%q: %v", b, err)
			continue
		}
		if !bytes.Equal(got.Append(nil), b) || got.Failures != a.Failures || !got.Last.Equal(a.Last) {
			t.Errorf("%q read back as %+v", b, got)
		}
	}
}

func TestParseAttemptsRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"ferry-attempts/1\nfailures 1\n",
		"ferry-attempts/2\nfailures 1\nlast 2026-12-01T23:00:00Z\n",
		"ferry-attempts/1\nfailures 0\nlast 2026-12-01T23:00:00Z\n",
		"ferry-attempts/1\nfailures 01\nlast 2026-12-01T23:00:00Z\n",
		"ferry-attempts/1\nfailures 1\nlast yesterday\n",
		"ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z\nstatus 256\n",
		"ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z\nreason \n",
		"ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z\nreason x\nstatus 1\n",
		"ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z",
		"ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z\n" + strings.Repeat("x", 1100) + "\n",
	} {
		if a, err := spool.ParseAttempts([]byte(s)); !errors.Is(err, spool.ErrBadAttempts) {
			t.Errorf("%q: accepted as %+v", s, a)
		}
	}
}

// FuzzParseAttempts: what is accepted re-encodes byte for byte.
func FuzzParseAttempts(f *testing.F) {
	three := 3
	f.Add(spool.Attempts{Failures: 2, Last: time.Unix(1e9, 7).UTC(), Status: &three, Reason: "why"}.Append(nil))
	f.Add([]byte("ferry-attempts/1\nfailures 1\nlast 2026-12-01T23:00:00Z\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := spool.ParseAttempts(b)
		if err == nil && !bytes.Equal(a.Append(nil), b) {
			t.Fatalf("accepted a non-canonical record %q (re-encodes as %q)", b, a.Append(nil))
		}
	})
}

// TestAttemptsGoWithThePacket: the record of a packet's failed runs is
// listed while the packet is in rx, and goes when it is removed or set
// aside; a record without its packet is not listed.
func TestAttemptsGoWithThePacket(t *testing.T) {
	sp := openSpool(t)
	a := spool.Attempts{Failures: 2, Last: time.Unix(1e9, 0).UTC(), Reason: "handler exited 1"}
	idA, _, err := sp.CopyIn(bytes.NewReader(fakePacket(100, 10)), peer, spool.RX, nil)
	if err != nil {
		t.Fatal(err)
	}
	idB, _, err := sp.CopyIn(bytes.NewReader(fakePacket(100, 11)), peer, spool.RX, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []packet.ID{idA, idB} {
		if err := sp.RecordExecAttempts(peer, id, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sp.ExecAttempts(peer, idA)
	if err != nil || got.Failures != 2 || got.Reason != a.Reason {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if list, err := sp.FailingExecs(peer); err != nil || len(list) != 2 {
		t.Fatalf("listed %+v, %v; want both", list, err)
	}
	if err := sp.Remove(peer, spool.RX, idA); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.SetAside(peer, spool.RX, idB); err != nil {
		t.Fatal(err)
	}
	for _, id := range []packet.ID{idA, idB} {
		if got, err := sp.ExecAttempts(peer, id); err != nil || got.Failures != 0 {
			t.Errorf("%s: record left: %+v, %v", id, got, err)
		}
	}
	// A record whose packet went another way (NNCP's toss) is not listed.
	idC, _, err := sp.CopyIn(bytes.NewReader(fakePacket(100, 12)), peer, spool.RX, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Remove(peer, spool.RX, idC); err != nil {
		t.Fatal(err)
	}
	if err := sp.RecordExecAttempts(peer, idC, a); err != nil { // as if written after the packet went
		t.Fatal(err)
	}
	if list, err := sp.FailingExecs(peer); err != nil || len(list) != 0 {
		t.Errorf("listed %+v, %v; want none", list, err)
	}
}
