package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sh runs a shell pipeline of ferry commands ($F is the binary) and
// returns its stdout; any failure in the pipe fails the test.
func sh(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+script)
	cmd.Env = append(os.Environ(), "F="+ferryBin, "NNCPCFG=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", script, err, out.String(), errb.String())
	}
	return out.String()
}

// startListeningDaemon starts `ferry daemon` on a free loopback port and
// returns the address it printed; it is stopped at cleanup.
func startListeningDaemon(t *testing.T, cfgPath string) string {
	t.Helper()
	cmd := exec.Command(ferryBin, "daemon", "--cfg", cfgPath, "--bind", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sendSignal(t, cmd.Process, os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("daemon after SIGINT: %v, want exit status 0", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("daemon printed %q, %v", line, err)
	}
	return addr
}

// TestNeighFromNothing is ferry(1)'s GETTING STARTED: two nodes from
// cfgnew, cards exchanged by `neigh export | neigh add`, then a file and
// a mail over a real call on 127.0.0.1, tossed; nothing edits a config
// but ferry itself, and NNCP reads both configs afterwards.
func TestNeighFromNothing(t *testing.T) {
	t.Parallel() // a daemon, a call and its deadline in other processes: overlaps the other waits
	dir := t.TempDir()
	a, b := filepath.Join(dir, "alice.hjson"), filepath.Join(dir, "bob.hjson")
	mailer := filepath.Join(dir, "mailer")
	// A stand-in for sendmail on bob's side: the recipients, then the mail.
	if err := os.WriteFile(mailer, []byte("#!/bin/sh\n{ echo \"To: $*\"; /bin/cat; } >> \""+dir+"/mailbox\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "bob-incoming")
	mustMkdir(t, in)
	sh(t, `
		$F cfgnew --spool `+dir+`/alice/spool --log `+dir+`/alice/log > `+a+`
		$F cfgnew --spool `+dir+`/bob/spool --log `+dir+`/bob/log > `+b+`
		$F neigh export --cfg `+a+` --name alice --text "alice, from the test" |
			$F neigh add --cfg `+b+` alice - --incoming `+in+` --exec sendmail=`+mailer+`
	`)
	addr := startListeningDaemon(t, b)
	sh(t, `$F neigh export --cfg `+b+` --name bob | $F neigh add --cfg `+a+` bob - --addr lan=`+addr)
	report := "Quarterly report: all systems nominal.\n"
	mustWrite(t, filepath.Join(dir, "report.txt"), []byte(report), 0o644)
	sh(t, `
		$F file --cfg `+a+` --quiet `+dir+`/report.txt bob:report.txt
		printf 'Subject: hello\n\nHi Bob.\n' | $F exec --cfg `+a+` --quiet bob sendmail bob@example.org
		$F call --cfg `+a+` --quiet --onlinedeadline 1 bob
		$F toss --cfg `+b+` --quiet
	`) // (the recipe's call with 1 s of idling at its end, not the default 10)
	if got, err := os.ReadFile(filepath.Join(in, "report.txt")); err != nil || string(got) != report {
		t.Errorf("bob's incoming report.txt: %q, %v", got, err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "mailbox")); err != nil || string(got) != "To: bob@example.org\nSubject: hello\n\nHi Bob.\n" {
		t.Errorf("bob's mailbox: %q, %v", got, err)
	}
	list := sh(t, `$F neigh list --cfg `+b)
	if !strings.Contains(list, "alice ") || !strings.Contains(list, "incoming="+in) || !strings.Contains(list, "exec=sendmail") {
		t.Errorf("neigh list on bob:\n%s", list)
	}
	needNNCP(t, "nncp-cfgmin")
	for node, peer := range map[string]string{a: "bob", b: "alice"} {
		out, err := exec.Command("nncp-cfgmin", "-cfg", node).CombinedOutput()
		if err != nil || !strings.Contains(string(out), peer) {
			t.Errorf("nncp-cfgmin -cfg %s: %v\n%s", node, err, out)
		}
	}
}

// TestNeighRefuses: a bad card, an encrypted config, a config directory
// and a flag of another subcommand are refused, and the file is left
// byte for byte as it was.
func TestNeighRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.hjson"), filepath.Join(dir, "b.hjson")
	sh(t, `$F cfgnew > `+a+`; $F cfgnew > `+b+`; mkdir `+dir+`/cfgdir; $F cfgdir --cfg `+a+` --dump `+dir+`/cfgdir`)
	card := strings.TrimSpace(sh(t, `$F neigh export --cfg `+b+` --name bob`))
	typo := "A"
	if card[40] == 'A' {
		typo = "B"
	}
	bad := card[:40] + typo + card[41:]
	before, _ := os.ReadFile(a)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"neigh", "add", "--cfg", a, "bob", bad}, 1, "card:"},
		{[]string{"neigh", "add", "--cfg", a, "bob", card, "--incoming", "relative/dir"}, 1, "left as it was"},
		{[]string{"neigh", "add", "--cfg", a, "bob", card, "--qr"}, 2, "--qr does not apply to neigh add"},
		{[]string{"neigh", "add", "--cfg", a, "bob", card, "--via", "nobody"}, 1, "left as it was"},
		{[]string{"neigh", "rm", "--cfg", a, "self"}, 1, "own entry"},
		{[]string{"neigh", "rm", "--cfg", a, "carol"}, 1, "no such neighbour"},
		{[]string{"neigh", "set", "--cfg", a, "self"}, 2, "nothing to set"},
		{[]string{"neigh", "frob", "--cfg", a}, 2, "unknown neigh command"},
		{[]string{"neigh", "add", "--cfg", dir + "/cfgdir", "bob", card}, 1, "ferry cfgdir --load"},
	} {
		r := ferry(t, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(string(r.stderr), tc.want) {
			t.Errorf("%v: exit %d, %s; want %d and %q", tc.args[:2], r.code, r.stderr, tc.code, tc.want)
		}
	}
	if after, _ := os.ReadFile(a); !bytes.Equal(before, after) {
		t.Error("a refused edit changed the config")
	}
	// An encrypted config (its magic is all EditFile reads before
	// refusing): refused with the way round it, before any passphrase.
	eblob := filepath.Join(dir, "enc.eblob")
	mustWrite(t, eblob, []byte("NNCPB\x00\x00\x03 and the rest"), 0o600)
	r := ferry(t, nil, "neigh", "rm", "--cfg", eblob, "bob")
	if r.code != 1 || !strings.Contains(string(r.stderr), "encrypted") || !strings.Contains(string(r.stderr), "ferry cfgenc -d") {
		t.Errorf("rm in an encrypted config: exit %d, %s", r.code, r.stderr)
	}
}
