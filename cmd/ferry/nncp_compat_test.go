package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// The drop-in suite's offline part: NNCP's documented command lines for
// mail, media, toss, stat, bundles, flags, logs and configs, on the twins
// of nncp_twins_test.go.

// TestNNCPPostfixPipe: Postfix's pipe(8) line from NNCP's manual,
// "nncp-exec -quiet $nexthop sendmail $recipient", mail on stdin; the
// packet carried to bob and tossed runs bob's sendmail handle.
func TestNNCPPostfixPipe(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Exit, Queued  int
		Stdout        string
		Args, Message string
	}
	got := map[string]outcome{}
	mail := []byte("From: alice\nTo: user@example.org\n\nhello over nncp\n")
	for _, tw := range newTwins(t) {
		var o outcome
		o.Exit, o.Stdout = tw.run(t, "alice", mail, "nncp-exec", "-quiet", "bob", "sendmail", "user@example.org")
		o.Queued = tw.count("alice", "bob", "tx")
		tw.lab.carry(t, "alice", "bob")
		tw.must(t, "bob", nil, "nncp-toss", "-quiet")
		o.Args, o.Message = tw.readFile("bob", "mail", "args"), tw.readFile("bob", "mail", "stdin")
		got[tw.kind] = o
	}
	same(t, "postfix pipe", got, outcome{Queued: 1, Args: "user@example.org\n", Message: string(mail)})
}

// TestNNCPAckRitual is the sneakernet workflow of nncp-ack's manual:
// alice's packets stay queued until bob's ACKs come back; bob removes
// his ACKs once written, from the list nncp-ack left on fd 4.
func TestNNCPAckRitual(t *testing.T) {
	t.Parallel()
	type outcome struct {
		AliceKept, AckLines, BobAcksQueued, BobAcksAfterRm, AliceLeft int
		Delivered                                                     string
		AckLineForm                                                   bool
	}
	got := map[string]outcome{}
	ackLine := regexp.MustCompile(`^[A-Z2-7]{52}/[A-Z2-7]{52}$`)
	for _, tw := range newTwins(t) {
		var o outcome
		l := tw.lab
		stick := filepath.Join(l.dir, "stick")
		mustMkdirAll(t, stick)
		mustWrite(t, filepath.Join(l.dir, "report.txt"), []byte("quarterly numbers\n"), 0o644)
		tw.must(t, "alice", nil, "nncp-file", "-quiet", filepath.Join(l.dir, "report.txt"), "bob:")
		// An ACK of alice's rides along: bob must not acknowledge it.
		aliceAcks := tw.ack(t, "alice", "-node", "bob", "-pkt", strings.Repeat("A", 52))
		tw.must(t, "alice", nil, "nncp-xfer", "-quiet", "-mkdir", "-keep", "-tx", "-node", "bob", stick)
		o.AliceKept = tw.count("alice", "bob", "tx")
		tw.must(t, "bob", nil, "nncp-xfer", "-quiet", "-rx", stick)

		list := tw.ack(t, "bob", "-node", "alice")
		lines := strings.Fields(string(list))
		o.AckLines = len(lines)
		o.AckLineForm = len(lines) > 0 && ackLine.MatchString(lines[0])
		o.BobAcksQueued = tw.count("bob", "alice", "tx")
		tw.must(t, "bob", nil, "nncp-toss", "-quiet")
		o.Delivered = tw.readFile("bob", "incoming", "report.txt")
		tw.must(t, "bob", nil, "nncp-xfer", "-quiet", "-keep", "-mkdir", "-tx", stick)
		tw.must(t, "bob", list, "nncp-rm", "-quiet", "-node", "alice", "-pkt")
		o.BobAcksAfterRm = tw.count("bob", "alice", "tx")
		tw.must(t, "alice", nil, "nncp-xfer", "-quiet", "-rx", stick)
		tw.must(t, "alice", nil, "nncp-toss", "-quiet")
		tw.must(t, "alice", aliceAcks, "nncp-rm", "-quiet", "-node", "bob", "-pkt")
		o.AliceLeft = tw.count("alice", "bob", "tx")
		got[tw.kind] = o
	}
	same(t, "ack ritual", got, outcome{AliceKept: 2, AckLines: 1, BobAcksQueued: 1, Delivered: "quarterly numbers\n", AckLineForm: true})
}

// ack runs "nncp-ack ARGS 4>FILE" as node and returns what fd 4 got.
func (tw *twin) ack(t *testing.T, node string, args ...string) []byte {
	t.Helper()
	acks, err := os.CreateTemp(tw.lab.dir, "acks")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = acks.Close() }() // the child writes it; read by name below
	devnull, _ := os.Open(os.DevNull)
	defer func() { _ = devnull.Close() }() // read only
	c := tw.cmd(node, "nncp-ack", append([]string{"-quiet"}, args...)...)
	c.ExtraFiles = []*os.File{devnull, acks} // fd 3, fd 4
	var errb bytes.Buffer
	c.Stderr = &errb
	if code := exitOf(t, c.Run(), tw.kind, "nncp-ack", &errb); code != 0 {
		t.Fatalf("%s nncp-ack %v: exit %d", tw.kind, args, code)
	}
	list, _ := os.ReadFile(acks.Name())
	return list
}

// TestNNCPTossCycle: "nncp-toss -node alice -seen -cycle 1" delivers
// and marks the packet seen; it runs until stopped, so it is stopped
// once the file is there.
func TestNNCPTossCycle(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Delivered string
		Seen      int
		RxLeft    int
	}
	got := map[string]outcome{}
	for _, tw := range newTwins(t) {
		l := tw.lab
		mustWrite(t, filepath.Join(l.dir, "f.txt"), []byte("cycled\n"), 0o644)
		tw.must(t, "alice", nil, "nncp-file", "-quiet", filepath.Join(l.dir, "f.txt"), "bob:")
		l.carry(t, "alice", "bob")
		c := tw.cmd("bob", "nncp-toss", "-quiet", "-node", "alice", "-seen", "-cycle", "1")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		seenDir := filepath.Join(l.queue("bob", "alice", "rx"), "seen")
		// NNCP marks the packet seen before it removes it: wait for the
		// removal too, or SIGTERM can land between the two.
		waitFor(t, tw.kind+" toss -cycle", func() bool {
			ents, _ := os.ReadDir(seenDir)
			return tw.readFile("bob", "incoming", "f.txt") != "" && len(ents) > 0 && tw.count("bob", "alice", "rx") == 0
		})
		sendSignal(t, c.Process, syscall.SIGTERM)
		_ = c.Wait() // NNCP's tools die of SIGTERM: the status says nothing
		ents, _ := os.ReadDir(seenDir)
		got[tw.kind] = outcome{tw.readFile("bob", "incoming", "f.txt"), len(ents), tw.count("bob", "alice", "rx")}
	}
	same(t, "toss -cycle", got, outcome{Delivered: "cycled\n", Seen: 1})
}

// TestNNCPStatPkt: nncp-stat -pkt lists the queued packet and the
// per-niceness totals in NNCP's layout (packet ids differ between the
// twins, so they are masked).
func TestNNCPStatPkt(t *testing.T) {
	t.Parallel()
	got := map[string][]string{}
	id := regexp.MustCompile(`[A-Z2-7]{52}`)
	for _, tw := range newTwins(t) {
		mustWrite(t, filepath.Join(tw.lab.dir, "s.txt"), bytes.Repeat([]byte("x"), 5000), 0o644)
		tw.must(t, "alice", nil, "nncp-file", "-quiet", filepath.Join(tw.lab.dir, "s.txt"), "bob:")
		tw.must(t, "alice", nil, "nncp-file", "-quiet", "-nice", "P", filepath.Join(tw.lab.dir, "s.txt"), "bob:urgent")
		out := tw.must(t, "alice", nil, "nncp-stat", "-pkt")
		got[tw.kind] = sortPktLines(strings.Split(id.ReplaceAllString(out, "PKT"), "\n"))
	}
	if !reflect.DeepEqual(got["ferry"], got["nncp"]) {
		t.Errorf("nncp-stat -pkt differs:\nferry:\n%s\nnncp:\n%s", strings.Join(got["ferry"], "\n"), strings.Join(got["nncp"], "\n"))
	}
	if len(got["nncp"]) < 4 {
		t.Errorf("nncp-stat -pkt: too little output: %q", got["nncp"])
	}
}

// sortPktLines orders each node's packet lines: both tools list them in
// directory order.
func sortPktLines(lines []string) []string {
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && (strings.HasPrefix(lines[j], "\ttx ") || strings.HasPrefix(lines[j], "\trx ")) {
			j++
		}
		if j > i {
			sort.Strings(lines[i:j])
			i = j
			continue
		}
		i++
	}
	return lines
}

// TestNNCPBundle: "nncp-bundle -tx bob > FILE" keeps the packets queued
// (no -delete), "nncp-bundle -rx < FILE" takes them in, toss delivers.
func TestNNCPBundle(t *testing.T) {
	t.Parallel()
	type outcome struct {
		AliceKept, BobRx int
		Delivered        string
		AliceAfterDelete int
	}
	got := map[string]outcome{}
	for _, tw := range newTwins(t) {
		var o outcome
		tw.queueFor(t, "b.txt")
		stream := tw.must(t, "alice", nil, "nncp-bundle", "-quiet", "-tx", "bob")
		o.AliceKept = tw.count("alice", "bob", "tx")
		tw.must(t, "bob", []byte(stream), "nncp-bundle", "-quiet", "-rx")
		o.BobRx = tw.count("bob", "alice", "rx")
		tw.must(t, "bob", nil, "nncp-toss", "-quiet")
		o.Delivered = tw.readFile("bob", "incoming", "b.txt")
		tw.must(t, "alice", nil, "nncp-bundle", "-quiet", "-tx", "-delete", "bob")
		o.AliceAfterDelete = tw.count("alice", "bob", "tx")
		got[tw.kind] = o
	}
	same(t, "bundle", got, outcome{AliceKept: 1, BobRx: 1, Delivered: "online b.txt\n"})
}

// TestNNCPFlagSyntax: Go flag syntax through a link: -flag=value,
// --flag value, flags ending at the first argument, exit 2 for an
// unknown flag, 0 for -h, 1 for a failure, and -num's default of 10.
func TestNNCPFlagSyntax(t *testing.T) {
	t.Parallel()
	links := nncpLinks(t)
	run := func(stdin string, tool string, args ...string) (int, string) {
		c := exec.Command(filepath.Join(links, tool), args...)
		c.Env = append(os.Environ(), "NNCPCFG=/nonexistent/nncp.hjson")
		c.Stdin = strings.NewReader(stdin)
		out, err := c.Output()
		return exitOf(t, err, "ferry", tool, &bytes.Buffer{}), string(out)
	}
	if code, out := run("", "nncp-cronexpr", "*/5 * * * *"); code != 0 || strings.Count(out, "\n") != 11 || !strings.HasPrefix(out, "Now:\t") || !strings.Contains(out, "\n9:\t") {
		t.Errorf("nncp-cronexpr: exit %d\n%s", code, out)
	}
	if code, out := run("", "nncp-cronexpr", "--num", "2", "*/5 * * * *"); code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("nncp-cronexpr --num 2: exit %d\n%s", code, out)
	}
	if code, out := run("abc", "nncp-hash", "-force-fat=true"); code != 0 || len(strings.TrimSpace(out)) != 64 {
		t.Errorf("nncp-hash -force-fat=true: exit %d %q", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"-no-such-flag"}, 2},
		{[]string{"-h"}, 0},
		{[]string{"-version"}, 0},
		{[]string{"-warranty"}, 0},
		{[]string{"-node", "bob"}, 1}, // the config does not exist: a failure, not a usage error
		{[]string{"-cycle", "-1"}, 2}, // uint, as NNCP
	} {
		if code, _ := run("", "nncp-toss", c.args...); code != c.code {
			t.Errorf("nncp-toss %v: exit %d, want %d", c.args, code, c.code)
		}
	}
}

// TestNNCPUnsupported: a name ferry has no command for says so, exit 1.
func TestNNCPUnsupported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"nncp-nosuch", "nncp-cfgenc"} {
		if findCommand(strings.TrimPrefix(name, "nncp-")) != nil {
			continue // registered meanwhile: it is supported
		}
		p := filepath.Join(dir, name)
		if err := os.Symlink(ferryBin, p); err != nil {
			t.Fatal(err)
		}
		var errb bytes.Buffer
		c := exec.Command(p, "-d", "x")
		c.Stderr = &errb
		err := c.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "not") {
			t.Errorf("%s: %v, %s", name, err, errb.String())
		}
	}
}

// TestNNCPLogLayout: nncp-log prints one line per event as NNCP does,
// the time (RFC 3339), ERROR for failures, then the message, so a script
// grepping for a node or ERROR finds the same events.
func TestNNCPLogLayout(t *testing.T) {
	t.Parallel()
	type outcome struct{ Lines, AllInLayout, MentionsBob, Errors int }
	got := map[string]outcome{}
	layout := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) (ERROR )?\S`)
	for _, tw := range newTwins(t) {
		tw.queueFor(t, "l.txt")
		out := tw.must(t, "alice", nil, "nncp-log")
		var o outcome
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			o.Lines++
			if layout.MatchString(line) {
				o.AllInLayout++
			}
			if strings.Contains(line, "bob") {
				o.MentionsBob++
			}
			if strings.Contains(line, " ERROR ") {
				o.Errors++
			}
		}
		got[tw.kind] = o
	}
	same(t, "nncp-log", got, outcome{Lines: 1, AllInLayout: 1, MentionsBob: 1})
}

// TestNNCPCfgdir: "nncp-cfgdir -cfg FILE -dump DIR" (the one command
// that does not let NNCPCFG override -cfg) writes the same
// directory as NNCP's, and "nncp-cfgdir -load DIR" reads it back into a
// config the real nncp-cfgmin accepts.
func TestNNCPCfgdir(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Files  []string
		Loaded bool
	}
	got := map[string]outcome{}
	src := labCfg(t, "alice") // one source for both twins: theirs differ in ports
	for _, tw := range newTwins(t) {
		dir := filepath.Join(tw.lab.dir, "cfgdir")
		// NNCPCFG names the twin's alice: nncp-cfgdir reads -cfg only.
		tw.must(t, "alice", nil, "nncp-cfgdir", "-cfg", src, "-dump", dir)
		var o outcome
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error { // the callback takes what it can read and returns nil
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(dir, p)
				o.Files = append(o.Files, rel+"="+string(b))
			}
			return nil
		})
		out := tw.must(t, "alice", nil, "nncp-cfgdir", "-load", dir)
		p := filepath.Join(tw.lab.dir, "loaded.hjson")
		mustWrite(t, p, []byte(out), 0o600)
		o.Loaded = exec.Command("/usr/bin/nncp-cfgmin", "-cfg", p).Run() == nil
		got[tw.kind] = o
	}
	if !reflect.DeepEqual(got["ferry"], got["nncp"]) {
		t.Errorf("cfgdir differs:\nferry: %#v\nnncp:  %#v", got["ferry"], got["nncp"])
	}
	if len(got["nncp"].Files) < 10 || !got["nncp"].Loaded {
		t.Errorf("cfgdir: %d files, loaded %v", len(got["nncp"].Files), got["nncp"].Loaded)
	}
}

// TestNNCPCfgencDump: "nncp-cfgenc -dump FILE.eblob" prints what NNCP
// prints, for the eblobs the real nncp-cfgenc made.
func TestNNCPCfgencDump(t *testing.T) {
	t.Parallel()
	needNNCP(t, "nncp-cfgenc")
	blobs, _ := filepath.Glob("../../cfg/testdata/eblob/*.eblob")
	if len(blobs) == 0 {
		t.Fatal("no eblob vectors in cfg/testdata/eblob")
	}
	link := filepath.Join(nncpLinks(t), "nncp-cfgenc")
	for _, b := range blobs {
		want, err := exec.Command("/usr/bin/nncp-cfgenc", "-dump", b).Output()
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(link, "-dump", b).Output()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v\nferry:\n%s\nnncp:\n%s", b, err, got, want)
		}
	}
}

// processWithEnv says whether a running process has kv in its
// environment (a command started through env(1) shows it there, not in
// its arguments).
func processWithEnv(kv string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, e := range bytes.Split(b, []byte{0}) {
			if string(e) == kv {
				return true
			}
		}
	}
	return false
}
