# ferry: build, test, demo and benchmarks. See README.md.
GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
BIN      := bin/ferry
FUZZTIME ?= 30s
# Cap on minimizing each new input: the default minute per input leaves the
# slower targets (a session per run) no time to fuzz.
FUZZMINTIME ?= 2s
# The version is not set here: the binary reads it from the build
# information Go records (git tag or revision), so `make` and `go build`
# report the same string (cmd/ferry/version.go). -trimpath keeps the
# build directory out of the binary, so builds are reproducible.
# NNCP_CFG: the config path packagers build in (looked at before
# /etc/nncp.hjson and /usr/local/etc/nncp.hjson); NNCP_LINKS=1: install
# nncp-* links so NNCP's command lines run ferry.
NNCP_CFG   ?=
NNCP_LINKS ?=
# CGO_ENABLED=0: a static binary. Only the standard library's net (DNS)
# and os/user would use cgo, and ferry looks up no user; with cgo the
# binary is linked against libc and its dynamic loader, which costs each
# start (ferry exec runs once per message) about 1.5 ms of CPU: --version
# 6.4 ms dynamic, 4.9 ms static. Without cgo, host names resolve through
# Go's own resolver (/etc/hosts, then the DNS of /etc/resolv.conf) even
# where /etc/nsswitch.conf names other sources (mdns, ldap...), which a
# cgo build would ask libc for; CGO_ENABLED=1 builds that way.
CGO_ENABLED ?= 0
GOBUILD  := CGO_ENABLED=$(CGO_ENABLED) $(GO) build -trimpath $(if $(NNCP_CFG),-ldflags "-X main.DefaultCfg=$(NNCP_CFG)")

# Packages with concurrency run under the race detector in `make test`,
# with -short: the packet tests then take a few sizes at each batch edge,
# enough for every goroutine hand-off (the race detector needs each path
# run, not each size); the first run, without -race, takes them all.
MODULE   := $(shell sed -n 's/^module //p' go.mod)
RACE_PKGS := $(MODULE)/(packet|spool|toss|call)

.PHONY: all build test demo bench fuzz lint install clean

all: build

build:
	$(GOBUILD) -o $(BIN) ./cmd/ferry

# The linters run first: a test run on unformatted or unchecked code is
# not a pass.
test: build lint
	$(GO) test -count=1 -timeout 8m ./...
	$(GO) test -count=1 -race -short -timeout 8m $$($(GO) list ./... | grep -E '^$(RACE_PKGS)')

demo: build
	@bash testdata/demo.sh $(BIN)

bench: build
	@bash testdata/bench.sh

# Runs every fuzz target in the tree (found by name in each package's
# _test.go files) for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "== $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINTIME) $$pkg; \
		done; \
	done

# Linters at pinned versions, installed by `go install` into .tools/ (not
# on PATH, not in go.mod): staticcheck (bugs, dead code, simplifications),
# errcheck (no unchecked error in the code nor in its tests; the few
# calls that cannot fail, or whose error is kept elsewhere, are in
# .errcheck-excludes, each with its reason) and goimports (import
# groups: standard library, then others, then ferry's own, each block
# separated by a blank line; cmd/ferry's
# TestImportGroups, part of `make test`, also refuses a group split in
# two, which goimports accepts). Cold, staticcheck
# takes over a minute on two cores, so `make test` does not run lint;
# .ci/run runs both.
TOOLS             := $(CURDIR)/.tools
STATICCHECK_VER   := v0.8.2
GOIMPORTS_VER     := v0.51.0
ERRCHECK_VER      := v1.30.0
STATICCHECK       := $(TOOLS)/staticcheck-$(STATICCHECK_VER)
GOIMPORTS         := $(TOOLS)/goimports-$(GOIMPORTS_VER)
ERRCHECK          := $(TOOLS)/errcheck-$(ERRCHECK_VER)

$(STATICCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)
	mv $(TOOLS)/staticcheck $@

$(GOIMPORTS):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install golang.org/x/tools/cmd/goimports@$(GOIMPORTS_VER)
	mv $(TOOLS)/goimports $@

$(ERRCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/kisielk/errcheck@$(ERRCHECK_VER)
	mv $(TOOLS)/errcheck $@

lint: $(STATICCHECK) $(GOIMPORTS) $(ERRCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	@out=$$($(GOIMPORTS) -local $(MODULE) -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then \
		echo "import groups (run: $(GOIMPORTS) -local $(MODULE) -w FILE):"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(ERRCHECK) -exclude .errcheck-excludes ./...
	@if command -v mandoc >/dev/null; then mandoc -Tlint -Wwarning man/*.1 man/*.5 man/*.7; else echo "mandoc not installed: man pages not linted"; fi

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ferry
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	@if [ -n "$(NNCP_LINKS)" ]; then $(BIN) links --force --target ferry $(DESTDIR)$(PREFIX)/bin; fi

clean:
	rm -rf bin

# --- Packaging: service units, completion, release tarball -------------
.PHONY: install-units install-completion dist

BINDIR       ?= $(PREFIX)/bin
SYSCONFDIR   ?= /etc
SPOOLDIR     ?= /var/spool/nncp
LOGFILE      ?= $(SPOOLDIR)/log
UNITDIR      ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR  ?= $(PREFIX)/lib/tmpfiles.d
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d
UNITS        := ferry-daemon ferry-caller ferry-toss
SUBST        := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@SPOOLDIR@|$(SPOOLDIR)|g' -e 's|@LOGFILE@|$(LOGFILE)|g' -e 's|@LOGDIR@|$(patsubst %/,%,$(dir $(LOGFILE)))|g'

# The systemd units (user nncp, config $(SYSCONFDIR)/nncp.hjson), the
# sysusers.d and tmpfiles.d entries that make the user and the spool, and
# the logrotate snippet. Nothing is enabled: see FILES in ferry(1).
install-units:
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(LOGROTATEDIR)
	@set -e; for u in $(UNITS); do \
		echo "install $(DESTDIR)$(UNITDIR)/$$u.service"; \
		$(SUBST) contrib/systemd/$$u.service.in > $(DESTDIR)$(UNITDIR)/$$u.service; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service; \
	done
	$(SUBST) contrib/systemd/ferry.sysusers.in > $(DESTDIR)$(SYSUSERSDIR)/ferry.conf
	$(SUBST) contrib/systemd/ferry.tmpfiles.in > $(DESTDIR)$(TMPFILESDIR)/ferry.conf
	$(SUBST) contrib/logrotate/ferry.in > $(DESTDIR)$(LOGROTATEDIR)/ferry
	chmod 0644 $(DESTDIR)$(SYSUSERSDIR)/ferry.conf $(DESTDIR)$(TMPFILESDIR)/ferry.conf $(DESTDIR)$(LOGROTATEDIR)/ferry

install-completion: build
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ferry
	$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ferry

# dist/ferry-VERSION-OS-ARCH.tar.gz: the tracked sources and bin/ferry,
# reproducibly (sorted, owner 0, the last commit's time as every mtime,
# no gzip timestamp). The tarball's cmd/ferry/release.txt holds the
# version, so a build from the unpacked sources reports it too.
dist: build
	@set -e; v=$$($(BIN) --version | awk '{print $$2}'); \
	case $$v in devel*) echo "make dist: warning: Go recorded no version from git" \
		"(go env GOFLAGS has -buildvcs=false, or a git worktree, which Go does not stamp)" >&2;; esac; \
	name=ferry-$$v; tgz=dist/$$name-$$($(GO) env GOOS)-$$($(GO) env GOARCH).tar.gz; \
	stage=$$(mktemp -d); trap 'rm -rf "$$stage"' EXIT; \
	mkdir -p "$$stage/$$name/bin" dist; \
	git ls-files -z | xargs -0 cp -P --parents -t "$$stage/$$name"; \
	cp $(BIN) "$$stage/$$name/bin/ferry"; \
	echo "$$v" > "$$stage/$$name/cmd/ferry/release.txt"; \
	tar -C "$$stage" --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
		--mode='a+rX,u+w,go-w' --mtime="@$$(git log -1 --format=%ct)" -cf - "$$name" \
		| gzip -n -9 > "$$tgz.tmp"; \
	mv "$$tgz.tmp" "$$tgz"; echo "$$tgz"
