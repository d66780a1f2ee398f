package main

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// installUnits runs `make install-units` into a fresh DESTDIR, with the
// units pointing at the test's ferry binary so systemd can check it.
func installUnits(t *testing.T) (dest string, vars map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed: skipping the service unit checks")
	}
	dest = t.TempDir()
	vars = map[string]string{"PREFIX": "/usr", "BINDIR": filepath.Dir(ferryBin), "SPOOLDIR": "/srv/ferry/spool", "LOGFILE": "/srv/ferry/log/ferry.log"}
	args := []string{"-s", "-C", "../..", "install-units", "DESTDIR=" + dest}
	for k, v := range vars {
		args = append(args, k+"="+v)
	}
	if out, err := exec.Command("make", args...).CombinedOutput(); err != nil {
		t.Fatalf("make install-units: %v\n%s", err, out)
	}
	return dest, vars
}

// placeholder is an @NAME@ that install-units should have replaced.
var placeholder = regexp.MustCompile(`@[A-Z]+@`)

var unitNames = []string{"ferry-daemon.service", "ferry-caller.service", "ferry-toss.service"}

func TestInstallUnitsPlacesHardenedUnits(t *testing.T) {
	t.Parallel()
	dest, vars := installUnits(t)
	for _, f := range []string{"usr/lib/sysusers.d/ferry.conf", "usr/lib/tmpfiles.d/ferry.conf", "etc/logrotate.d/ferry"} {
		b, err := os.ReadFile(filepath.Join(dest, f))
		if err != nil {
			t.Fatal(err)
		}
		if placeholder.Match(b) {
			t.Errorf("%s: placeholder left:\n%s", f, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "etc/logrotate.d/ferry")); !bytes.HasPrefix(bytes.TrimSpace(afterComments(b)), []byte(vars["LOGFILE"]+" {")) {
		t.Errorf("logrotate snippet does not rotate %s:\n%s", vars["LOGFILE"], b)
	}
	for _, u := range unitNames {
		b, err := os.ReadFile(filepath.Join(dest, "usr/lib/systemd/system", u))
		if err != nil {
			t.Fatal(err)
		}
		if placeholder.Match(b) {
			t.Errorf("%s: placeholder left:\n%s", u, b)
		}
		keys := unitKeys(b)
		for _, want := range []string{
			"User=nncp", "Group=nncp", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
			"ReadWritePaths=" + vars["SPOOLDIR"], "ReadWritePaths=-/srv/ferry/log", "CapabilityBoundingSet=",
			"ExecStart=" + filepath.Join(vars["BINDIR"], "ferry") + " " + strings.TrimSuffix(strings.TrimPrefix(u, "ferry-"), ".service") + " --cfg /etc/nncp.hjson",
		} {
			if !keys[want] && !hasPrefixKey(keys, want) {
				t.Errorf("%s lacks %s", u, want)
			}
		}
	}
}

// TestUnitsVerify runs systemd's own checks on the installed units:
// `systemd-analyze verify` (syntax, unknown keys, the ExecStart binary,
// the Documentation= man pages) and an offline security score.
func TestUnitsVerify(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd): skipping systemd-analyze verify of the units")
	}
	dest, _ := installUnits(t)
	dir := filepath.Join(dest, "usr/lib/systemd/system")
	// Documentation=man:... is checked with man(1): give it our pages.
	man := filepath.Join(t.TempDir(), "man1")
	mustMkdir(t, man)
	pages, _ := filepath.Glob("../../man/*.1")
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		mustWrite(t, filepath.Join(man, filepath.Base(p)), b, 0o644)
	}
	for _, u := range unitNames {
		cmd := exec.Command(analyze, "verify", filepath.Join(dir, u))
		cmd.Env = append(os.Environ(), "MANPATH="+filepath.Dir(man), "SYSTEMD_LOG_COLOR=0")
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", u, err, out)
		}
		// Exposure is scored 0 (locked down) to 10 (none); 1.5 today.
		sec := exec.Command(analyze, "security", "--offline=true", "--threshold=30", filepath.Join(dir, u))
		if out, err := sec.CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze security %s: exposure above 3.0: %v\n%s", u, err, out)
		}
	}
	if sysusers, err := exec.LookPath("systemd-sysusers"); err == nil {
		out, err := exec.Command(sysusers, "--dry-run", "--root="+t.TempDir(), filepath.Join(dest, "usr/lib/sysusers.d/ferry.conf")).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Creating user 'nncp'")) {
			t.Errorf("systemd-sysusers --dry-run: %v\n%s", err, out)
		}
	}
}

func TestLogrotateSnippet(t *testing.T) {
	t.Parallel()
	logrotate, err := exec.LookPath("logrotate")
	if err != nil {
		t.Skip("logrotate not installed: skipping the logrotate snippet check")
	}
	if _, err := user.Lookup("nncp"); err != nil {
		t.Skip("no user nncp (the nncp package makes it): skipping the logrotate snippet check, whose su line names it")
	}
	dest, _ := installUnits(t)
	out, err := exec.Command(logrotate, "--debug", "--state", filepath.Join(t.TempDir(), "state"), filepath.Join(dest, "etc/logrotate.d/ferry")).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("error")) {
		t.Errorf("logrotate --debug: %v\n%s", err, out)
	}
}

func unitKeys(b []byte) map[string]bool {
	keys := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			keys[l] = true
		}
	}
	return keys
}

func hasPrefixKey(keys map[string]bool, prefix string) bool {
	for k := range keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func afterComments(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
