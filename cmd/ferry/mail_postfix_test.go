package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// postfixInstance is a private Postfix (its own config, queue and log
// under dir), started by the test and stopped at its cleanup. Its
// master.cf has no inet service, so it listens on no network port, and
// every transport but the ones a test adds is error(8): it cannot send
// mail anywhere else.
type postfixInstance struct {
	dir, conf string
}

// postfixMaster is the minimum of services a queue needs: no smtpd, no
// smtp client, no local(8).
const postfixMaster = `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
postlog   unix-dgram n  -       n       -       1       postlogd
`

// needPostfix skips unless Postfix is installed and the test may run an
// instance of it (root: master(8) must start as root).
func needPostfix(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/usr/sbin/postfix", "/usr/sbin/sendmail", "/usr/sbin/postconf"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("Postfix not installed (%s missing; .ci/run installs it): mail round trip not tested", p)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("not root: a private Postfix instance needs root to start; mail round trip not tested")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skipf("no postfix user (%v): mail round trip not tested", err)
	}
}

// newPostfix writes an instance's directories and config; startPostfix
// starts instances.
func newPostfix(t *testing.T, dir, host, mainExtra, masterExtra string) *postfixInstance {
	t.Helper()
	p := &postfixInstance{dir: dir, conf: filepath.Join(dir, "conf")}
	for _, d := range []string{"conf", "queue", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pf, _ := user.Lookup("postfix")
	uid, _ := strconv.Atoi(pf.Uid)
	mustChown(t, filepath.Join(dir, "data"), uid, -1)
	main := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
maillog_file_prefixes = %[1]s
maillog_file = %[1]s/maillog
myhostname = %[2]s
mydomain = %[2]s
myorigin = %[2]s
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtputf8_enable = no
local_transport = error:5.1.1 no local delivery in this test
default_transport = error:5.1.1 no outside mail in this test
relay_transport = error:5.1.1 no outside mail in this test
`, dir, host) + mainExtra
	mustWrite(t, filepath.Join(p.conf, "main.cf"), []byte(main), 0o644)
	mustWrite(t, filepath.Join(p.conf, "master.cf"), []byte(postfixMaster+masterExtra), 0o644)
	return p
}

// startPostfix starts the instances at once (each `postfix start` checks
// its installation for seconds) and stops them at the test's cleanup.
func startPostfix(t *testing.T, ps ...*postfixInstance) {
	t.Helper()
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			if out, err := exec.Command("/usr/sbin/postfix", "-c", p.conf, "start").CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("postfix start (%s): %v\n%s\n%s", p.conf, err, out, p.log())
			}
		})
	}
	wg.Wait()
	for _, p := range ps {
		t.Cleanup(func() { p.stop(t) })
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// stop stops the instance and makes sure its master is gone.
func (p *postfixInstance) stop(t *testing.T) {
	_ = exec.Command("/usr/sbin/postfix", "-c", p.conf, "stop").Run() // fails when not running: the pid check below says
	b, err := os.ReadFile(filepath.Join(p.dir, "queue", "pid", "master.pid"))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
		if proc, err := os.FindProcess(pid); err == nil && proc.Signal(syscall.Signal(0)) == nil && !zombie(pid) {
			t.Errorf("postfix master %d still running after stop; killing it", pid)
			sendSignal(t, proc, syscall.SIGKILL)
		}
	}
}

// zombie says whether pid has exited and only waits to be reaped (a
// stopped master whose parent is gone is, until init reaps it).
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

func (p *postfixInstance) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

// sendmail submits msg to this instance, as a local program would.
func (p *postfixInstance) sendmail(t *testing.T, msg string, args ...string) {
	t.Helper()
	cmd := exec.Command("/usr/sbin/sendmail", append([]string{"-C", p.conf}, args...)...)
	cmd.Stdin = strings.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail %v: %v\n%s", args, err, out)
	}
}

// waitMail polls cond until it holds or a generous deadline passes (a
// queue run can take a while on a loaded machine); the deadline only
// bounds a hang, what cond checks decides the test. diag says why.
func waitMail(t *testing.T, what string, cond func() bool, diag func() string) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s\n%s", what, diag())
		}
	}
}

// TestPostfixMailRoundTrip is the recipe of ferry-mail(7), run: alice's
// Postfix routes bob.test to a pipe(8) transport that runs `ferry exec
// --quiet $nexthop sendmail $recipient` as an unprivileged user; a real
// call on 127.0.0.1 carries the packet; bob's toss runs its sendmail
// handler, which is bob's own Postfix, and that delivers into a Maildir.
// The mail arrives with its headers and body as sent.
func TestPostfixMailRoundTrip(t *testing.T) {
	t.Parallel()
	needPostfix(t)
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run the pipe as: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)

	// The pipe runs as nobody, so the path to ferry, alice's config and
	// her spool must be reachable by it (TempDir is 0700).
	dir := t.TempDir()
	for d := dir; strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		mustChmod(t, d, 0o755)
	}
	bin := filepath.Join(dir, "ferry")
	if b, err := os.ReadFile(ferryBin); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatalf("copy ferry: %v", err)
	}
	alice, bob := filepath.Join(dir, "alice"), filepath.Join(dir, "bob")
	a, b := filepath.Join(alice, "ferry.hjson"), filepath.Join(bob, "ferry.hjson")
	mustMkdirAll(t, alice)
	mustMkdirAll(t, bob)
	sh(t, `
		$F cfgnew --spool `+alice+`/spool --log `+alice+`/log > `+a+`
		$F cfgnew --spool `+bob+`/spool --log `+bob+`/log > `+b+`
		mkdir -p `+alice+`/spool `+bob+`/spool
	`)
	bobPF := filepath.Join(dir, "postfix-bob")
	// bob's handler is his sendmail; -C names his private instance (a
	// real node lists just /usr/sbin/sendmail).
	sh(t, `$F neigh export --cfg `+a+` --name alice | $F neigh add --cfg `+b+` alice - --exec "sendmail=/usr/sbin/sendmail -C `+bobPF+`/conf"`)
	addr := startListeningDaemon(t, b)
	sh(t, `$F neigh export --cfg `+b+` --name bob | $F neigh add --cfg `+a+` bob - --addr lan=`+addr)
	// alice's spool and config belong to the user the pipe runs as.
	sh(t, fmt.Sprintf("chown -R %d:%d %s", uid, gid, alice))

	mailbox := filepath.Join(bobPF, "mail")
	mustMkdirAll(t, mailbox)
	mustChown(t, mailbox, uid, gid)
	bobMTA := newPostfix(t, bobPF, "bob.test", `virtual_mailbox_domains = bob.test
virtual_mailbox_base = `+mailbox+`
virtual_mailbox_maps = inline:{ user@bob.test=user/ }
virtual_uid_maps = static:`+nobody.Uid+`
virtual_gid_maps = static:`+nobody.Gid+`
virtual_minimum_uid = 1
`, "virtual   unix  -       n       n       -       -       virtual\n")
	aliceMTA := newPostfix(t, filepath.Join(dir, "postfix-alice"), "alice.test",
		"transport_maps = inline:{ bob.test=ferry:bob }\n",
		`ferry     unix  -       n       n       -       -       pipe
  flags=Rqhu user=nobody argv=`+bin+` exec --cfg `+a+` --quiet $nexthop sendmail $recipient
`)
	startPostfix(t, bobMTA, aliceMTA)

	const msg = "From: Alice <alice@alice.test>\n" +
		"To: User <user@bob.test>\n" +
		"Subject: over ferry\n" +
		"Date: Tue, 01 Dec 2026 12:00:00 +0000\n" +
		"Message-ID: <round-trip@alice.test>\n" +
		"X-Ferry-Test: headers intact\n" +
		"\n" +
		"Hello Bob,\n\nthis went by pipe, packet, call and toss.\n"
	aliceMTA.sendmail(t, msg, "-f", "alice@alice.test", "user@bob.test")

	// The pipe's exit is in alice's log: sent, or deferred with why. (No
	// ferry command runs as root on her spool before it: it could leave
	// a file the pipe's user cannot write.)
	waitMail(t, "alice's pipe to take the mail", func() bool {
		l := aliceMTA.log()
		if strings.Contains(l, "status=deferred") || strings.Contains(l, "status=bounced") {
			t.Fatalf("alice's Postfix did not hand the mail to ferry:\n%s", l)
		}
		return strings.Contains(l, "relay=ferry") && strings.Contains(l, "status=sent")
	}, aliceMTA.log)
	// The call ends 1 s after the last packet, not after the default 10 s
	// of idling.
	sh(t, `$F call --cfg `+a+` --quiet --onlinedeadline 1 bob
		$F toss --cfg `+b+` --quiet`)

	var delivered string
	waitMail(t, "bob's Postfix to deliver into the Maildir", func() bool {
		files, _ := filepath.Glob(filepath.Join(mailbox, "user", "new", "*"))
		if len(files) == 0 {
			return false
		}
		got, _ := os.ReadFile(files[0])
		delivered = string(got)
		return true
	}, bobMTA.log)

	head, body, ok := strings.Cut(delivered, "\n\n")
	if !ok || body != "Hello Bob,\n\nthis went by pipe, packet, call and toss.\n" {
		t.Errorf("body not intact:\n%s", delivered)
	}
	lines := strings.Split(head, "\n")
	for _, h := range strings.Split(strings.SplitN(msg, "\n\n", 2)[0], "\n") {
		if !contains(lines, h) {
			t.Errorf("header %q lost or changed:\n%s", h, head)
		}
	}
	// It went through alice's Postfix and bob's (their Received lines), to
	// the envelope recipient the pipe passed on.
	for _, want := range []string{"by alice.test (Postfix", "by bob.test (Postfix", "Delivered-To: user@bob.test"} {
		if !strings.Contains(head, want) {
			t.Errorf("no %q in the delivered headers:\n%s", want, head)
		}
	}
}
