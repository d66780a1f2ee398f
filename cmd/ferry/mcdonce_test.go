package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/call/mcd"
	"github.com/ferry-dtn/ferry/packet"
)

// heard is what a daemon --mcd-once did, seen from its link.
type heard struct {
	exit   int
	stdout string
	ids    []packet.ID // the announcements, in the order heard
	ports  []int       // the UDP port each came from
}

// TestDaemonMCDOnce: daemon --mcd-once sends one round of announcements
// (one per mcd-send interface) from --bind's port and exits without
// listening, as nncp-daemon -mcd-once does. Each daemon runs in a
// network namespace of its own, where the test makes loopback multicast (its
// flag, and a local route for the groups) and hears it there; nothing leaves that loopback.
func TestDaemonMCDOnce(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("MCD test needs root for a network namespace of its own")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("MCD test needs ip (iproute2) to make loopback multicast")
	}
	l := newNetLab(t)
	b, _ := os.ReadFile(l.cfg("bob"))
	mustWrite(t, l.cfg("bob"), []byte(strings.Replace(string(b), "{", "{\n  mcd-send: {\"^lo$\": 1}", 1)), 0o600)
	bob, err := packet.ParseID(l.ids["bob"])
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string][]string{"ferry": {ferryBin, "daemon", "--cfg", l.cfg("bob"), "--mcd-once", "--bind", "[::1]:5409"}}
	if _, err := exec.LookPath("nncp-daemon"); err == nil {
		runs["nncp"] = []string{"nncp-daemon", "-cfg", l.cfg("bob"), "-mcd-once", "-bind", "[::1]:5409"}
	} else {
		t.Log("nncp-daemon not installed: checking ferry alone")
	}
	for kind, argv := range runs {
		h, err := inOwnNetns(t, argv)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if h.exit != 0 || len(h.ids) != 1 || h.ids[0] != bob || h.ports[0] != 5409 || strings.Contains(h.stdout, "listening") {
			t.Errorf("%s daemon --mcd-once: exit %d, stdout %q, heard %d announcements %v from ports %v; want exit 0, not listening, one from bob from port 5409",
				kind, h.exit, h.stdout, len(h.ids), h.ids, h.ports)
		}
	}
}

// inOwnNetns runs argv in a fresh network namespace, with loopback up and
// multicast, and collects the MCD announcements heard there until argv
// has exited and nothing more is queued. The namespace is the thread's:
// the goroutine keeps it locked and ends with it, so the thread, and the
// namespace with it, go away.
func inOwnNetns(t *testing.T, argv []string) (heard, error) {
	type outcome struct {
		h   heard
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		var o outcome
		defer func() { done <- o }()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			o.err = errors.New("unshare: " + err.Error())
			return
		}
		for _, ip := range [][]string{{"link", "set", "lo", "up", "multicast", "on"}, {"-6", "route", "add", "local", "ff00::/8", "dev", "lo", "table", "local"}} {
			if out, err := exec.Command("ip", ip...).CombinedOutput(); err != nil {
				o.err = errors.New("ip " + strings.Join(ip, " ") + ": " + err.Error() + ": " + string(out))
				return
			}
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			o.err = err
			return
		}
		conn, err := net.ListenMulticastUDP("udp6", lo, &net.UDPAddr{IP: mcd.Group, Port: mcd.Port})
		if err != nil {
			o.err = err
			return
		}
		defer func() { _ = conn.Close() }() // only read from
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "NNCPCFG=", "NNCPSPOOL=", "NNCPLOG=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			o.err = err
			return
		}
		wait := make(chan error, 1)
		go func() { wait <- cmd.Wait() }()
		select {
		case err = <-wait:
		case <-time.After(20 * time.Second): // a daemon that does not quit
			_ = cmd.Process.Kill() // it may have quit just now: reaped below either way
			err := <-wait          // reaped: killed, or what it ended with just now
			o.err = fmt.Errorf("%s did not exit within 20 s (%v); stderr: %s", argv[0], err, stderr.String())
			return
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			o.h.exit = ee.ExitCode()
		} else if err != nil {
			o.err = err
			return
		}
		o.h.stdout = stdout.String() + stderr.String()
		// The daemon has exited: what it sent is queued here already. The
		// deadline only ends the reading.
		buf := make([]byte, 128)
		for {
			if err := conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond)); err != nil {
				o.err = err
				return
			}
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if id, ok := mcd.Decode(buf[:n]); ok {
				o.h.ids, o.h.ports = append(o.h.ids, id), append(o.h.ports, from.Port)
			}
		}
	}()
	o := <-done
	return o.h, o.err
}
