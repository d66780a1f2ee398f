package main

import (
	"context"
	_ "embed"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// releaseStamp is empty in the repository. `make dist` writes the version
// of the binary it ships into the tarball's copy, so that a build from the
// unpacked sources (which have no .git for Go to stamp) reports the same
// string as the binary in the tarball.
//
//go:embed release.txt
var releaseStamp string

// Version is the one version string of this build, for every build route:
// `make`, plain `go build` and `go install` all take it from the build
// information the Go toolchain records, so none of them passes -ldflags.
// Read on first use, not at every start (decoding the build information
// was a third of main's initialisers: ferry exec runs once per message).
var Version = sync.OnceValue(func() string { return buildVersion(releaseStamp, debug.ReadBuildInfo) })

// buildVersion picks, in order: the release stamp of a source tarball; the
// module version Go derives from the git tags (v1.2.3 on a tag, a
// pseudo-version v1.2.4-0.DATE-REV after it, "+dirty" with local
// changes); the bare revision when Go stamped one but no version; and
// "devel" when the build carries no VCS information at all (-buildvcs=false,
// or sources without .git).
func buildVersion(stamp string, read func() (*debug.BuildInfo, bool)) string {
	if s := strings.TrimSpace(stamp); s != "" {
		return s
	}
	bi, ok := read()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "+dirty"
	}
	return "devel-" + rev
}

func versionLine() string { return "ferry " + Version() + " (speaks NNCP 8.x)" }

func runVersion(ctx context.Context, g *globals, args []string) error {
	g.flags("")
	if err := g.parse(args); err != nil {
		return err
	}
	fmt.Fprintln(g.Stdout, versionLine())
	return nil
}
