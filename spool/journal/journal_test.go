package journal_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-dtn/ferry/spool/journal"
)

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	h, err := journal.Open(p, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(h)
	log.Info("tossed", "who", "rx", "node", "alice", "pkt", "ABC", "size", 12)
	log.Error("exec failed", "who", "rx-exec", "err", errors.New("line one\nline two"))
	log.Debug("not stored")
	var recs []journal.Record
	f, _ := os.Open(p)
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := journal.Read(f, func(r journal.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].Fields[0].Name != "When" || recs[0].Get("Who") != "rx" || recs[0].Get("Node") != "alice" || recs[0].Get("Size") != "12" {
		t.Errorf("%+v", recs[0])
	}
	if last := recs[0].Fields[len(recs[0].Fields)-1]; last.Name != "Msg" || last.Value != "tossed" {
		t.Errorf("Msg not last: %+v", last)
	}
	if recs[1].Get("Err") != "line one\nline two" {
		t.Errorf("multi-line value: %q", recs[1].Get("Err"))
	}
}

// TestAfterNNCPRecord: a log NNCP wrote to last (its records begin with
// the blank line, none follows the last) gets ferry's next record as a
// record of its own, and NNCP's next one after ferry's stays apart too.
func TestAfterNNCPRecord(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	nncpRec := "\nWhen: 2026-12-01T20:36:15.82824404Z\nWho: tx\nMsg: File f (279 B) is sent to bob:f\n"
	if err := os.WriteFile(p, []byte(nncpRec), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := journal.Open(p, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	slog.New(h).Info("packet queued", "who", "tx", "node", "bob")
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if _, err := f.WriteString(nncpRec); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	r, _ := os.Open(p)
	defer func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := journal.Read(r, func(rec journal.Record) error { msgs = append(msgs, rec.Get("Msg")); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"File f (279 B) is sent to bob:f", "packet queued", "File f (279 B) is sent to bob:f"}; strings.Join(msgs, "|") != strings.Join(want, "|") {
		t.Errorf("records %q, want %q", msgs, want)
	}
}

func TestConcurrentAppenders(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, _ := journal.Open(p, journal.Options{})
			log := slog.New(h)
			for i := 0; i < 50; i++ {
				log.Info(strings.Repeat("x", 500), "who", "tx")
			}
		}()
	}
	wg.Wait()
	data, _ := os.ReadFile(p)
	n := 0
	err := journal.Read(bytes.NewReader(data), func(r journal.Record) error {
		if r.Get("Msg") != strings.Repeat("x", 500) || r.Get("Who") != "tx" {
			t.Errorf("torn record %+v", r)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 400 {
		t.Fatalf("%d records", n)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("When: 2026-01-01T00:00:00Z\nWho: rx\nErr: a\n+ b\nMsg: m\n\nWhen: x\n"))
	f.Add([]byte("+ orphan\n: empty\nNo colon\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Records are what is checked: an error (a line over 1 MiB) is
		// a fine answer to some inputs.
		_ = journal.Read(bytes.NewReader(b), func(r journal.Record) error {
			if len(r.Fields) == 0 {
				t.Fatal("empty record reported")
			}
			return nil
		})
	})
}

// A long-lived handler keeps its files open but follows a rotation: after
// the log is renamed away, new records go to a new file under the name.
func TestFollowsRotation(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	h, _ := journal.Open(p, journal.Options{ReopenCheck: -1})
	log := slog.New(h)
	log.Info("before", "who", "tx")
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	log.Info("after", "who", "tx")
	count := func(path, msg string) int {
		data, _ := os.ReadFile(path)
		return strings.Count(string(data), "Msg: "+msg+"\n")
	}
	if count(p+".1", "before") != 1 || count(p+".1", "after") != 0 || count(p, "after") != 1 {
		t.Fatalf("rotated: %d %d, new: %d", count(p+".1", "before"), count(p+".1", "after"), count(p, "after"))
	}
}
