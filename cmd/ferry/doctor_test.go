package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// doctorSeed plants one problem in a clean lab (as alice) and says what
// doctor must name: its kind, the severity, and the packet or node.
type doctorSeed struct {
	kind, sev, name string
	plant           func(t *testing.T, l *doctorLab)
}

// doctorLab is the netLab as alice, with an edited config.
type doctorLab struct {
	*netLab
	cfgText string
	failing string // the packet the rx-failing seed left in rx
}

func newDoctorLab(t *testing.T) *doctorLab {
	l := &doctorLab{netLab: newNetLab(t)}
	b, err := os.ReadFile(l.cfg("alice"))
	if err != nil {
		t.Fatal(err)
	}
	// No reserve: the clean lab must not depend on this machine's free space.
	l.cfgText = strings.Replace(string(b), "{", "{\n  ferry-reserve: 0", 1)
	l.save(t)
	return l
}

func (l *doctorLab) save(t *testing.T) {
	if err := os.WriteFile(l.cfg("alice"), []byte(l.cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (l *doctorLab) edit(t *testing.T, old, new string) {
	t.Helper()
	if !strings.Contains(l.cfgText, old) {
		t.Fatalf("config has no %q", old)
	}
	l.cfgText = strings.Replace(l.cfgText, old, new, 1)
	l.save(t)
}

// file writes a file under alice's spool, aged by age.
func (l *doctorLab) file(t *testing.T, age time.Duration, p ...string) {
	t.Helper()
	path := l.path(append([]string{"alice", "spool"}, p...)...)
	mustMkdirAll(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte("not really a packet"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-age)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func seedID(n uint64) string {
	var id packet.ID
	binary.BigEndian.PutUint64(id[:], n+1000)
	return id.String()
}

const day = 24 * time.Hour

func doctorSeeds(l *doctorLab) []doctorSeed {
	bob := l.ids["bob"]
	stranger := seedID(99)
	return []doctorSeed{
		// First: its toss would set aside the other seeds' fake packets.
		{"rx-failing", sevError, "", func(t *testing.T, l *doctorLab) {
			// A real exec packet from bob whose handler exits 1 at toss.
			l.ferry(t, "bob", []byte("mail"), "exec", "alice", "handler", "x")
			l.carry(t, "bob", "alice")
			mustWrite(t, l.path("handler.sh"), []byte("#!/bin/sh\necho mailbox full >&2\nexit 1\n"), 0o755)
			if r := ferry(t, nil, "toss", "--cfg", l.cfg("alice"), "--quiet"); r.code == 0 {
				t.Fatal("toss with a failing handler exited 0")
			}
			ents, _ := os.ReadDir(l.queue("alice", "bob", "rx"))
			for _, e := range ents {
				if packet.IsPacketName(e.Name()) {
					l.failing = e.Name()
				}
			}
			if l.failing == "" {
				t.Fatal("toss did not leave the failed packet in rx")
			}
		}},
		{"unknown-node", sevWarning, stranger, func(t *testing.T, l *doctorLab) { l.file(t, 0, stranger, "tx", seedID(1)) }},
		{"stale-part", sevWarning, seedID(2), func(t *testing.T, l *doctorLab) { l.file(t, 8*day, bob, "rx", seedID(2)+".part") }},
		{"stale-nock", sevWarning, seedID(3), func(t *testing.T, l *doctorLab) { l.file(t, 8*day, bob, "rx", seedID(3)+".nock") }},
		{"stale-lock", sevError, "bob", func(t *testing.T, l *doctorLab) {
			lock := l.path("alice", "spool", bob, "toss.lock")
			removeIfThere(t, lock) // the toss of another seed may have left the file
			if err := os.MkdirAll(lock, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"stale-tmp", sevWarning, "tmp/leftover", func(t *testing.T, l *doctorLab) { l.file(t, 8*day, "tmp", "leftover") }},
		{"bad-packet", sevWarning, seedID(5), func(t *testing.T, l *doctorLab) { l.file(t, 0, bob, "rx", "bad", seedID(5)) }},
		{"tx-old", sevWarning, seedID(6), func(t *testing.T, l *doctorLab) { l.file(t, 8*day, bob, "tx", seedID(6)) }},
		{"rx-old", sevWarning, seedID(7), func(t *testing.T, l *doctorLab) { l.file(t, 2*day, bob, "rx", seedID(7)) }},
		{"over-quota", sevWarning, "neigh.bob.ferry-quota.tx-packets", func(t *testing.T, l *doctorLab) {
			l.edit(t, "    bob:\n    {\n", "    bob:\n    {\n      ferry-quota: {\n        tx-packets: 1\n      }\n")
			l.file(t, 0, bob, "tx", seedID(8))
			l.file(t, 0, bob, "tx", seedID(9))
		}},
		{"low-space", sevError, "below the reserve", func(t *testing.T, l *doctorLab) { l.edit(t, "ferry-reserve: 0", "ferry-reserve: 1000000T") }},
		{"no-noisepub", sevError, "bob", func(t *testing.T, l *doctorLab) {
			l.edit(t, "noisepub: DDVI4TAIK7NXH25TDQOL6QYW2OHD6ZBI6PJ3UEV2K53CHSNCQUUA", "")
		}},
		{"no-exchpub", sevError, "bob", func(t *testing.T, l *doctorLab) {
			l.edit(t, "exchpub: JABMJD5VPIGI374VUIMVLIEVUKJ6VS4LP2GXK5PWAQXC7INUXRXQ", "exchpub: "+strings.Repeat("A", 52))
		}},
		{"incoming-dir", sevError, "bob", func(t *testing.T, l *doctorLab) { mustRemoveAll(t, l.path("alice", "incoming")) }},
		{"freq-path", sevError, "bob", func(t *testing.T, l *doctorLab) { mustRemoveAll(t, l.path("alice", "pub")) }},
		{"exec-handler", sevError, "bob", func(t *testing.T, l *doctorLab) { mustChmod(t, l.path("handler.sh"), 0o644) }},
		{"log-unreadable", sevWarning, "token too long", func(t *testing.T, l *doctorLab) {
			// A line past what the log reader takes: the toss failures
			// after it would go uncounted, so doctor says so.
			f, err := os.OpenFile(l.path("alice", "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteString("Msg: " + strings.Repeat("x", 2<<20) + "\n\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"log-unwritable", sevError, "/nonexistent", func(t *testing.T, l *doctorLab) {
			l.edit(t, "log: "+l.path("alice", "log"), "log: /nonexistent/ferry/log")
		}},
		{"umask", sevError, "umask 700", func(t *testing.T, l *doctorLab) { l.edit(t, "ferry-reserve: 0", "ferry-reserve: 0\n  umask: \"700\"") }},
		{"spool-missing", sevError, "spool", func(t *testing.T, l *doctorLab) { mustRemoveAll(t, l.path("alice", "spool")) }},
	}
}

// seedName is what doctor must name for s: the packet a real toss left,
// for the seed whose packet is made at plant time.
func (l *doctorLab) seedName(s doctorSeed) string {
	if s.name == "" {
		return l.failing
	}
	return s.name
}

func runDoctorCmd(t *testing.T, l *doctorLab, args ...string) result {
	t.Helper()
	return ferry(t, nil, append([]string{"doctor", "--cfg", l.cfg("alice")}, args...)...)
}

func wantCode(sev string) int {
	if sev == sevError {
		return doctorErrors
	}
	return doctorWarnings
}

func TestDoctorCleanSpool(t *testing.T) {
	t.Parallel()
	l := newDoctorLab(t)
	r := runDoctorCmd(t, l)
	if r.code != 0 || bytes.Count(r.stdout, []byte("\n")) != 1 || !bytes.HasPrefix(r.stdout, []byte("ok: ")) {
		t.Fatalf("clean lab: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runDoctorCmd(t, l, "--json"); r.code != 0 || len(r.stdout) != 0 {
		t.Fatalf("clean lab, --json: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestDoctorFindsEachSeed(t *testing.T) {
	t.Parallel()
	for _, s := range doctorSeeds(newDoctorLab(t)) {
		t.Run(s.kind, func(t *testing.T) {
			l := newDoctorLab(t)
			s.plant(t, l)
			s.name = l.seedName(s)
			r := runDoctorCmd(t, l)
			out := string(r.stdout)
			if r.code != wantCode(s.sev) {
				t.Errorf("exit %d, want %d\n%s%s", r.code, wantCode(s.sev), out, r.stderr)
			}
			if !strings.Contains(out, s.sev+": "+s.kind) || !strings.Contains(out, s.name) {
				t.Errorf("want %s %s naming %s, got:\n%s", s.sev, s.kind, s.name, out)
			}
			if n := strings.Count(out, "  advice: "); n == 0 {
				t.Errorf("no advice:\n%s", out)
			}
		})
	}
}

// TestDoctorAllSeedsAtOnce plants every problem but the missing spool
// (which hides the spool's own), checks each is named, in text and in
// JSON, and that doctor changed nothing in the lab.
func TestDoctorAllSeedsAtOnce(t *testing.T) {
	t.Parallel()
	l := newDoctorLab(t)
	l.ferry(t, "alice", []byte("hi"), "file", "-", "bob:hi")
	var seeds []doctorSeed
	for _, s := range doctorSeeds(l) {
		if s.kind == "spool-missing" || s.kind == "log-unwritable" || s.kind == "umask" {
			continue // these hide others (the log's failures) or need their own config
		}
		s.plant(t, l)
		s.name = l.seedName(s)
		seeds = append(seeds, s)
	}
	// A real packet (queued before bob's keys are spoilt) with no index
	// beside it: a doctor that listed through the index would write one.
	removeIfThere(t, l.path("alice", "spool", "ferry.idx"))
	before := treeSum(t, l.dir)
	r := runDoctorCmd(t, l)
	if r.code != doctorErrors {
		t.Errorf("exit %d, want %d", r.code, doctorErrors)
	}
	for _, s := range seeds {
		if !strings.Contains(string(r.stdout), s.sev+": "+s.kind) || !strings.Contains(string(r.stdout), s.name) {
			t.Errorf("%s naming %s missing from:\n%s", s.kind, s.name, r.stdout)
		}
	}
	j := runDoctorCmd(t, l, "--json")
	if j.code != doctorErrors {
		t.Errorf("--json: exit %d", j.code)
	}
	kinds := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(j.stdout))
	for sc.Scan() {
		var f finding
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", sc.Text(), err)
		}
		if f.Kind == "" || f.Message == "" || f.Advice == "" || (f.Severity != sevError && f.Severity != sevWarning) {
			t.Errorf("incomplete finding %+v", f)
		}
		kinds[f.Kind] = true
	}
	for _, s := range seeds {
		if !kinds[s.kind] {
			t.Errorf("--json lacks %s", s.kind)
		}
	}
	if after := treeSum(t, l.dir); after != before {
		t.Errorf("doctor changed the lab:\nbefore %s\nafter  %s", before, after)
	}
}

// treeSum describes every file under dir (name, mode, size, mtime,
// content) in one line: equal sums, byte-identical trees.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error { // the callback fails the test itself
		if err != nil {
			t.Fatal(err)
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s %v %d %d", p, info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%d files %x", len(lines), h[:8])
}

// The permission checks need a user whom permissions stop: not root.
func TestDoctorSpoolUnwritable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root, whom file permissions do not stop: spool-unwritable cannot be seeded")
	}
	l := newDoctorLab(t)
	spoolDir := l.path("alice", "spool")
	mustChmod(t, spoolDir, 0o555)
	defer func() {
		if err := os.Chmod(spoolDir, 0o755); err != nil { // or the lab cannot be removed
			t.Errorf("restore the spool's mode: %v", err)
		}
	}()
	r := runDoctorCmd(t, l)
	if r.code != doctorErrors || !strings.Contains(string(r.stdout), "error: spool-unwritable") {
		t.Errorf("read-only spool: exit %d:\n%s", r.code, r.stdout)
	}
}
