package toss_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// Every NNCP-made vector, tossed by ferry, gives what manifest.json says.
func TestTossNNCPVectors(t *testing.T) {
	vs := vectors(t)
	for _, name := range []string{"file-empty", "file-1byte", "file-128k", "file-128k-plus-1", "file-300k-subdir", "file-minsize-padded", "trns-inner"} {
		v := vs[name]
		t.Run(name, func(t *testing.T) {
			l := newLab(t)
			l.put(t, v.Recipient, v.Sender, spool.RX, readFile(t, filepath.Join(vecDir, v.File)))
			if name == "trns-inner" {
				l.put(t, v.Recipient, "bob", spool.RX, readFile(t, filepath.Join(vecDir, v.File)))
			}
			if _, err := l.toss(t, v.Recipient, toss.Options{}); err != nil {
				t.Fatalf("%v\n%s", err, l.logs[v.Recipient])
			}
			got := readFile(t, l.path(v.Recipient, "incoming", v.Expect["dst"].(string)))
			if sha(got) != v.Expect["sha256"] {
				t.Errorf("content differs")
			}
			if len(l.jobs(t, v.Recipient, v.Sender, spool.RX)) != 0 {
				t.Error("packet left in rx")
			}
		})
	}
	t.Run("exec", func(t *testing.T) {
		l := newLab(t)
		for _, name := range []string{"exec-zstd", "exec-fat"} {
			v := vs[name]
			l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, v.File)))
			if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
				t.Fatalf("%v\n%s", err, l.logs["bob"])
			}
			if sha(readFile(t, l.path("bob", "exec-out", "stdin"))) != v.Expect["body_sha256"] {
				t.Errorf("%s: body differs", name)
			}
			env := string(readFile(t, l.path("bob", "exec-out", "env")))
			for k, want := range v.Expect["env"].(map[string]any) {
				if !strings.Contains(env, k+"="+want.(string)+"\n") {
					t.Errorf("%s: env %q lacks %s=%s", name, env, k, want)
				}
			}
			var args []string
			for _, a := range v.Expect["args"].([]any) {
				args = append(args, a.(string))
			}
			if got := string(readFile(t, l.path("bob", "exec-out", "args"))); got != strings.Join(args, "\n")+"\n" {
				t.Errorf("%s: args %q", name, got)
			}
		}
	})
	t.Run("freq", func(t *testing.T) {
		l := newLab(t)
		v := vs["freq"]
		if err := os.WriteFile(l.path("bob", "pub", v.Expect["src_path"].(string)), []byte(v.Expect["responder_file_content"].(string)), 0o644); err != nil {
			t.Fatal(err)
		}
		l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, v.File)))
		if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, l.logs["bob"])
		}
		if l.move(t, "bob", "alice") != 1 {
			t.Fatal("no reply queued")
		}
		if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
			t.Fatal(err)
		}
		if got := string(readFile(t, l.path("alice", "incoming", v.Expect["dst_path"].(string)))); got != v.Expect["responder_file_content"] {
			t.Errorf("freq reply %q", got)
		}
	})
	t.Run("trns", func(t *testing.T) {
		l := newLab(t)
		v := vs["trns-outer"]
		l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, v.File)))
		if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
			t.Fatal(err)
		}
		jobs := l.jobs(t, "bob", "carol", spool.TX)
		if len(jobs) != 1 || jobs[0].ID.String() != v.Expect["inner_packet"] {
			t.Fatalf("relayed %v", jobs)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		l := newLab(t)
		v := vs["chunked"]
		for _, p := range v.Packets {
			l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, p.File)))
		}
		if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"chunked.bin.nncp.meta", "chunked.bin.nncp.chunk0", "chunked.bin.nncp.chunk2"} {
			if _, err := os.Stat(l.path("bob", "incoming", n)); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("ack", func(t *testing.T) {
		l := newLab(t)
		acked := l.put(t, "alice", "bob", spool.TX, readFile(t, filepath.Join(vecDir, vs["file-1byte"].File)))
		l.put(t, "alice", "bob", spool.RX, readFile(t, filepath.Join(vecDir, vs["ack"].File)))
		if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
			t.Fatal(err)
		}
		if l.spool["alice"].Has(l.id("bob"), spool.TX, acked) {
			t.Fatal("ACK did not remove the packet")
		}
	})
	t.Run("area", func(t *testing.T) {
		l := newLab(t)
		self := vs["area-self"]
		aid, _ := packet.ParseID(self.Expect["area_id"].(string))
		msg, _ := packet.ParseID(self.Expect["msg_hash"].(string))
		if err := l.spool["alice"].MarkArea(l.id("alice"), aid, msg); err != nil {
			t.Fatal(err)
		}
		l.put(t, "alice", "alice", spool.TX, readFile(t, filepath.Join(vecDir, self.File)))
		if _, err := l.toss(t, "alice", toss.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, l.logs["alice"])
		}
		if len(l.jobs(t, "alice", "alice", spool.TX)) != 0 || !l.spool["alice"].AreaSeen(l.id("bob"), aid, msg) {
			t.Fatal("self area packet not fanned out")
		}
		if l.move(t, "alice", "bob") != 1 {
			t.Fatal("nothing queued for bob")
		}
		// bob stores it, relays to carol but not back to alice.
		if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, l.logs["bob"])
		}
		if got := readFile(t, l.path("bob", "area-incoming", "area.txt")); sha(got) != vs["area-to-bob"].Expect["sha256"] {
			t.Error("area file differs")
		}
		if len(l.jobs(t, "bob", "alice", spool.TX)) != 0 || len(l.jobs(t, "bob", "carol", spool.TX)) != 1 {
			t.Error("wrong fan-out from bob")
		}
		if l.move(t, "bob", "carol") != 1 {
			t.Fatal()
		}
		if _, err := l.toss(t, "carol", toss.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, l.logs["carol"])
		}
		if _, err := os.Stat(l.path("carol", "area-incoming", "area.txt")); err != nil {
			t.Error(err)
		}
	})
}
