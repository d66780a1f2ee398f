package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "59acef09243e76e0f3adb49bea75f3a37918f33e"
	for _, tc := range []struct {
		name, stamp, main string
		settings          []debug.BuildSetting
		noInfo            bool
		want              string
	}{
		{name: "tag", main: "v1.2.3", settings: vcs(rev, "false"), want: "v1.2.3"},
		{name: "after a tag, dirty", main: "v1.2.4-0.20261201203637-59acef09243e+dirty", settings: vcs(rev, "true"), want: "v1.2.4-0.20261201203637-59acef09243e+dirty"},
		{name: "release stamp wins", stamp: "v1.2.3\n", main: "(devel)", want: "v1.2.3"},
		{name: "revision without version", main: "(devel)", settings: vcs(rev, "false"), want: "devel-59acef09243e"},
		{name: "dirty revision without version", main: "(devel)", settings: vcs(rev, "true"), want: "devel-59acef09243e+dirty"},
		{name: "no vcs", main: "(devel)", want: "devel"},
		{name: "no build info", noInfo: true, want: "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func() (*debug.BuildInfo, bool) {
				if tc.noInfo {
					return nil, false
				}
				return &debug.BuildInfo{Main: debug.Module{Path: "ferry", Version: tc.main}, Settings: tc.settings}, true
			}
			if got := buildVersion(tc.stamp, read); got != tc.want {
				t.Errorf("buildVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

// The repository as a fresh clone would see it, for the build tests.
func freshClone(t *testing.T, dst string) {
	t.Helper()
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout (%v): skipping the fresh-clone build test", err)
	}
	if out, err := exec.Command("git", "clone", "-q", strings.TrimSpace(string(top)), dst).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
}

// buildEnv lets Go stamp VCS information even where the go env file says
// -buildvcs=false (as on the development machine): this test is about
// the version Go derives from git.
var buildEnv = append(os.Environ(), "GOFLAGS=-buildvcs=auto")

func runIn(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, buildEnv
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

// makeAndGoBuild builds the clone with `make` and with plain `go build`
// and returns both --version lines and the make binary.
func makeAndGoBuild(t *testing.T, clone string) (viaMake, viaGo, bin string) {
	t.Helper()
	runIn(t, clone, "make", "-s", "build")
	bin = filepath.Join(clone, "bin", "ferry")
	goBin := filepath.Join(t.TempDir(), "ferry")
	runIn(t, clone, "go", "build", "-o", goBin, "./cmd/ferry")
	return runIn(t, clone, bin, "--version"), runIn(t, clone, goBin, "--version"), bin
}

// TestFreshCloneVersionAndReproducibleBuilds: a fresh clone reports one
// version through make and through go build, from the commit and then
// from a tag; two clones in different directories build identical
// binaries; make dist twice gives identical tarballs, and the unpacked
// tarball builds with the same version.
func TestFreshCloneVersionAndReproducibleBuilds(t *testing.T) {
	t.Parallel() // builds in other processes while the call tests wait on theirs
	for _, tool := range []string{"git", "make", "go", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping the fresh-clone build test", tool)
		}
	}
	if testing.Short() {
		t.Skip("-short: skipping the fresh-clone builds")
	}
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "elsewhere", "b")
	freshClone(t, a)
	freshClone(t, b)
	rev := runIn(t, a, "git", "rev-parse", "--short=12", "HEAD")

	viaMake, viaGo, _ := makeAndGoBuild(t, a)
	if viaMake != viaGo || !strings.Contains(viaMake, rev) || strings.Contains(viaMake, "dirty") {
		t.Fatalf("untagged clone at %s: make says %q, go build says %q", rev, viaMake, viaGo)
	}
	for _, c := range []string{a, b} {
		runIn(t, c, "git", "tag", "v0.0.1-test")
	}
	viaMake, viaGo, binA := makeAndGoBuild(t, a)
	if want := "ferry v0.0.1-test (speaks NNCP 8.x)"; viaMake != want || viaGo != want {
		t.Fatalf("tagged clone: make says %q, go build says %q, want %q", viaMake, viaGo, want)
	}
	runIn(t, b, "make", "-s", "build")
	ba, _ := os.ReadFile(binA)
	bb, _ := os.ReadFile(filepath.Join(b, "bin", "ferry"))
	if len(ba) == 0 || !bytes.Equal(ba, bb) {
		t.Fatalf("make build in %s and in %s gave different binaries (%d and %d bytes)", a, b, len(ba), len(bb))
	}

	tgz := runIn(t, a, "make", "-s", "dist")
	first, err := os.ReadFile(filepath.Join(a, tgz))
	if err != nil {
		t.Fatal(err)
	}
	if again := runIn(t, a, "make", "-s", "dist"); again != tgz {
		t.Fatalf("make dist named %s, then %s", tgz, again)
	}
	second, _ := os.ReadFile(filepath.Join(a, tgz))
	if !bytes.Equal(first, second) {
		t.Fatalf("two make dist runs gave different tarballs")
	}
	epoch, _ := strconv.ParseInt(runIn(t, a, "git", "log", "-1", "--format=%ct"), 10, 64)
	names := checkDistTarball(t, first, epoch)
	for _, want := range []string{"ferry-v0.0.1-test/bin/ferry", "ferry-v0.0.1-test/LICENSE", "ferry-v0.0.1-test/cmd/ferry/release.txt", "ferry-v0.0.1-test/go.sum"} {
		if !names[want] {
			t.Errorf("%s lacks %s", tgz, want)
		}
	}

	// The unpacked sources have no .git: the release stamp carries the version.
	unpacked := filepath.Join(tmp, "unpacked")
	os.Mkdir(unpacked, 0o755)
	runIn(t, unpacked, "tar", "-xzf", filepath.Join(a, tgz))
	src := filepath.Join(unpacked, "ferry-v0.0.1-test")
	goBin := filepath.Join(t.TempDir(), "ferry")
	runIn(t, src, "go", "build", "-o", goBin, "./cmd/ferry")
	if got, shipped := runIn(t, src, goBin, "--version"), runIn(t, src, filepath.Join(src, "bin", "ferry"), "--version"); got != shipped {
		t.Errorf("built from the tarball: %q; shipped in it: %q", got, shipped)
	}
}

// checkDistTarball checks the reproducibility rules of make dist and
// returns the names in the tarball.
func checkDistTarball(t *testing.T, tgz []byte, epoch int64) map[string]bool {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header carries a time (%v) or name (%q)", zr.ModTime, zr.Name)
	}
	tr := tar.NewReader(zr)
	names := map[string]bool{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
		order = append(order, strings.TrimSuffix(h.Name, "/"))
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q, want numeric 0/0", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if h.ModTime.Unix() != epoch {
			t.Errorf("%s: mtime %v, want the commit's %d", h.Name, h.ModTime, epoch)
		}
		if h.Mode&0o022 != 0 {
			t.Errorf("%s: mode %o is group or world writable", h.Name, h.Mode)
		}
	}
	// tar --sort=name walks each directory in name order: compare paths
	// component by component, not as whole strings.
	byComponents := func(i, j int) bool {
		return slices.Compare(strings.Split(order[i], "/"), strings.Split(order[j], "/")) < 0
	}
	if !sort.SliceIsSorted(order, byComponents) {
		t.Errorf("tarball entries are not in name order")
	}
	return names
}
