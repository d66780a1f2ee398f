# ferry: build, test, demo and benchmarks. See README.md.
GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
BIN      := bin/ferry
FUZZTIME ?= 30s
# Cap on minimizing each new input: the default minute per input leaves the
# slower targets (a session per run) no time to fuzz.
FUZZMINTIME ?= 2s
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.Version=$(VERSION)

# Packages with concurrency run under the race detector in `make test`.
RACE_PKGS := ferry/(packet|spool|toss|call)

.PHONY: all build test demo bench fuzz lint install clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ferry

test: build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 8m ./...
	$(GO) test -count=1 -race -timeout 8m $$($(GO) list ./... | grep -E '^$(RACE_PKGS)')

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

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v mandoc >/dev/null; then mandoc -Tlint -Wwarning man/*.1; else echo "mandoc not installed: man pages not linted"; fi

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ferry
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf bin
