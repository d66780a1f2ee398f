package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMCDBetweenNamespaces: bob's daemon announces itself on a veth link
// between two network namespaces made for the test; alice, knowing no
// address for bob there, finds him with --mcd-wait and calls.
func TestMCDBetweenNamespaces(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("MCD test needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("MCD test needs ip (iproute2) to create network namespaces")
	}
	na, nb := fmt.Sprintf("ferrya%d", os.Getpid()), fmt.Sprintf("ferryb%d", os.Getpid())
	va, vb := fmt.Sprintf("fva%d", os.Getpid()%10000), fmt.Sprintf("fvb%d", os.Getpid()%10000)
	sh := func(args ...string) error {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %v: %s", args, err, out)
		}
		return nil
	}
	for _, step := range [][]string{
		{"ip", "netns", "add", na}, {"ip", "netns", "add", nb},
		{"ip", "link", "add", va, "type", "veth", "peer", "name", vb},
		{"ip", "link", "set", va, "netns", na}, {"ip", "link", "set", vb, "netns", nb},
		{"ip", "netns", "exec", na, "sysctl", "-qw", "net.ipv6.conf." + va + ".accept_dad=0"},
		{"ip", "netns", "exec", nb, "sysctl", "-qw", "net.ipv6.conf." + vb + ".accept_dad=0"},
		{"ip", "netns", "exec", na, "ip", "link", "set", "lo", "up"},
		{"ip", "netns", "exec", nb, "ip", "link", "set", "lo", "up"},
		{"ip", "netns", "exec", na, "ip", "link", "set", va, "up"},
		{"ip", "netns", "exec", nb, "ip", "link", "set", vb, "up"},
	} {
		if err := sh(step...); err != nil {
			t.Skipf("cannot build the test network here: %v", err)
		}
		if step[1] == "netns" && step[2] == "add" { // deleting it deletes its end of the veth too
			ns := step[3]
			t.Cleanup(func() {
				if err := sh("ip", "netns", "del", ns); err != nil {
					t.Errorf("namespace left behind: %v", err)
				}
			})
		}
	}
	l := newNetLab(t)
	addKey := func(node, text string) {
		b, _ := os.ReadFile(l.cfg(node))
		mustWrite(t, l.cfg(node), []byte(strings.Replace(string(b), "{", "{\n  "+text, 1)), 0o600)
	}
	addKey("bob", fmt.Sprintf(`mcd-send: {"^%s$": 1}`, vb))
	addKey("alice", fmt.Sprintf(`mcd-listen: ["^%s$"]`, va))
	mustWrite(t, l.path("src"), []byte("found you\n"), 0o644)
	l.ferry(t, "alice", nil, "file", l.path("src"), "bob:mcd.txt")
	d := exec.Command("ip", "netns", "exec", nb, ferryBin, "daemon", "--cfg", l.cfg("bob"), "--quiet", "--bind", "[::]:5400")
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer killWait(t, d)
	time.Sleep(500 * time.Millisecond)
	out, err := exec.Command("ip", "netns", "exec", na, ferryBin, "call", "--cfg", l.cfg("alice"),
		"--mcd-wait", "15", "--onlinedeadline", "1", "bob").CombinedOutput()
	if err != nil {
		t.Fatalf("call by MCD: %v\n%s", err, out)
	}
	if l.count(l.queue("bob", "alice", "rx")) != 1 {
		t.Fatalf("nothing delivered:\n%s", out)
	}
}
