package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	t.Parallel()
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
	out, err := inDir{dir, name, args, nil}.run()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// inDir is a command line run in a directory, with env added to
// buildEnv.
type inDir struct {
	dir, name string
	args      []string
	env       []string
}

func (c inDir) run() (string, error) {
	cmd := exec.Command(c.name, c.args...)
	cmd.Dir, cmd.Env = c.dir, append(slices.Clip(buildEnv), c.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s (in %s): %v\n%s", c.name, strings.Join(c.args, " "), c.dir, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// together runs independent builds at once, so the test takes as long as
// the longest, not the sum; it returns their outputs in order and fails
// the test, once all have ended, if any failed.
func together(t *testing.T, cmds ...inDir) []string {
	t.Helper()
	outs, errs := make([]string, len(cmds)), make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Go(func() { outs[i], errs[i] = c.run() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return outs
}

// TestFreshCloneVersionAndReproducibleBuilds: a fresh clone reports one
// version through make and through go build, from the commit and then
// from a tag; make with NNCP_CFG builds in the packager's config path;
// make dist in two clones in different directories gives identical
// tarballs (and so identical binaries); the unpacked tarball builds with
// the same version.
//
// Each step builds once, and every build is -trimpath and CGO_ENABLED=0,
// as make's are: a compile that differs only in its directory is then shared through Go's
// cache, so the test pays for at most one full compile (none when the
// cache has this commit) and its links, and builds that do not depend on
// each other run at once. (-trimpath changes nothing in how Go records
// the version from git: without it, the go builds here would only pay a
// second full compile, about 10 CPU seconds, for a fresh directory.)
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
	// b is cloned from a, not from the repository again: a commit made
	// there between two clones would give two versions to compare.
	if out, err := exec.Command("git", "clone", "-q", a, b).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	rev := runIn(t, a, "git", "rev-parse", "--short=12", "HEAD")
	bin := filepath.Join(a, "bin", "ferry")
	goBin := filepath.Join(t.TempDir(), "ferry")

	// Untagged, make with a packager's config path: the version names
	// the commit, and the binary finds its config with neither --cfg nor
	// NNCPCFG.
	cfg := labCfg(t, "alice")
	goBuild := inDir{a, "go", []string{"build", "-trimpath", "-o", goBin, "./cmd/ferry"}, []string{"CGO_ENABLED=0"}}
	together(t, inDir{a, "make", []string{"-s", "build", "NNCP_CFG=" + cfg}, nil}, goBuild)
	// make builds without cgo: no dynamic loader and libc to start
	// each time (one ferry exec per message).
	if interp, err := elfInterpreter(bin); err != nil || interp != "" {
		t.Fatalf("make build: %s is not a static binary (interpreter %q, %v)", bin, interp, err)
	}
	if v := runIn(t, a, bin, "--version"); !strings.Contains(v, rev) || strings.Contains(v, "dirty") {
		t.Fatalf("untagged clone at %s: make says %q", rev, v)
	}
	cmd := exec.Command(bin, "cfgmin")
	cmd.Env = append(os.Environ(), "NNCPCFG=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cfgmin with the config path built in by make NNCP_CFG=%s: %v\n%s", cfg, err, out)
	}
	if v := runIn(t, a, goBin, "--version"); !strings.Contains(v, rev) || strings.Contains(v, "dirty") {
		t.Fatalf("untagged clone at %s: go build says %q", rev, v)
	}

	// Tagged: make (through make dist) and go build say the tag; the
	// clone elsewhere makes its tarball meanwhile.
	for _, c := range []string{a, b} {
		runIn(t, c, "git", "tag", "v0.0.1-test")
	}
	dist := together(t, inDir{a, "make", []string{"-s", "dist"}, nil}, inDir{b, "make", []string{"-s", "dist"}, nil}, goBuild)
	tgz := dist[0]
	viaMake, viaGo := runIn(t, a, bin, "--version"), runIn(t, a, goBin, "--version")
	if want := "ferry v0.0.1-test (speaks NNCP 8.x)"; viaMake != want || viaGo != want {
		t.Fatalf("tagged clone: make says %q, go build says %q, want %q", viaMake, viaGo, want)
	}

	// The same tarball, binary included, from the clone elsewhere.
	if dist[1] != tgz {
		t.Fatalf("make dist named %s in one clone, %s in the other", tgz, dist[1])
	}
	first, err := os.ReadFile(filepath.Join(a, tgz))
	if err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(b, tgz))
	if !bytes.Equal(first, second) {
		ba, _ := os.ReadFile(bin)
		bb, _ := os.ReadFile(filepath.Join(b, "bin", "ferry"))
		t.Fatalf("make dist in %s and in %s gave different tarballs (binaries identical: %v)", a, b, len(ba) > 0 && bytes.Equal(ba, bb))
	}
	epoch, _ := strconv.ParseInt(runIn(t, a, "git", "log", "-1", "--format=%ct"), 10, 64)
	names := checkDistTarball(t, first, epoch)
	for _, want := range []string{"ferry-v0.0.1-test/bin/ferry", "ferry-v0.0.1-test/LICENSE", "ferry-v0.0.1-test/cmd/ferry/release.txt", "ferry-v0.0.1-test/go.sum"} {
		if !names[want] {
			t.Errorf("%s lacks %s", tgz, want)
		}
	}

	// The unpacked sources have no .git: the release stamp carries the
	// version.
	unpacked := filepath.Join(tmp, "unpacked")
	mustMkdir(t, unpacked)
	runIn(t, unpacked, "tar", "-xzf", filepath.Join(a, tgz))
	src := filepath.Join(unpacked, "ferry-v0.0.1-test")
	if _, err := (inDir{src, "go", []string{"build", "-trimpath", "-o", goBin, "./cmd/ferry"}, []string{"CGO_ENABLED=0"}}).run(); err != nil {
		t.Fatal(err)
	}
	if got, shipped := runIn(t, src, goBin, "--version"), runIn(t, src, filepath.Join(src, "bin", "ferry"), "--version"); got != shipped {
		t.Errorf("built from the tarball: %q; shipped in it: %q", got, shipped)
	}
}

// elfInterpreter is the dynamic loader an ELF binary names (PT_INTERP),
// "" for a static binary.
func elfInterpreter(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			return strings.TrimRight(string(b), "\x00"), err
		}
	}
	return "", nil
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
