package cfg_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
)

// TestExecRetryKeys: the top level's ferry-exec-* keys set every
// neighbour's policy, a neighbour's own keys win for it, neither key is
// warned about as unknown, and bad values are refused by their path.
func TestExecRetryKeys(t *testing.T) {
	for _, c := range []struct {
		top, bob string
		want     cfg.ExecRetry // bob's
		global   cfg.ExecRetry
		badField string
	}{
		{want: cfg.DefaultExecRetry, global: cfg.DefaultExecRetry},
		{top: "ferry-exec-attempts: 3\nferry-exec-backoff: 10s",
			want: cfg.ExecRetry{Attempts: 3, Backoff: 10 * time.Second}, global: cfg.ExecRetry{Attempts: 3, Backoff: 10 * time.Second}},
		{top: "ferry-exec-attempts: 3", bob: "ferry-exec-attempts: 0\n      ferry-exec-backoff: 0s",
			want: cfg.ExecRetry{}, global: cfg.ExecRetry{Attempts: 3, Backoff: cfg.DefaultExecBackoff}},
		{bob: "ferry-exec-backoff: 1h", want: cfg.ExecRetry{Attempts: cfg.DefaultExecAttempts, Backoff: time.Hour},
			global: cfg.DefaultExecRetry},
		{top: "ferry-exec-attempts: -1", badField: "ferry-exec-attempts"},
		{bob: "ferry-exec-backoff: soon", badField: "neigh.bob.ferry-exec-backoff"},
		{bob: "ferry-exec-backoff: -1m", badField: "neigh.bob.ferry-exec-backoff"},
		// Type errors name the key as written, not the Go struct it is
		// decoded into (rawExecRetry).
		{top: `ferry-exec-attempts: "3"`, badField: "ferry-exec-attempts: got string, want an integer"},
		{bob: "ferry-exec-attempts: 2.5", badField: "neigh.bob.ferry-exec-attempts: got number 2.5, want an integer"},
	} {
		conf, err := cfg.Parse([]byte(broken(c.top, c.bob)))
		if c.badField != "" {
			if err == nil || !strings.Contains(err.Error(), c.badField) || strings.Contains(strings.ToLower(err.Error()), "raw") {
				t.Errorf("%q %q: err %v, want one naming %s (and no Go type)", c.top, c.bob, err, c.badField)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q %q: %v", c.top, c.bob, err)
			continue
		}
		if got := conf.Neigh["bob"].ExecRetry; got != c.want {
			t.Errorf("%q %q: bob's policy %+v, want %+v", c.top, c.bob, got, c.want)
		}
		if conf.ExecRetry != c.global || conf.ExecRetryFor(nil) != c.global {
			t.Errorf("%q %q: global policy %+v, want %+v", c.top, c.bob, conf.ExecRetry, c.global)
		}
		for _, w := range conf.Warnings {
			t.Errorf("%q %q: warned: %s", c.top, c.bob, w)
		}
	}
}

func TestExecRetryWait(t *testing.T) {
	r := cfg.ExecRetry{Attempts: 5, Backoff: time.Minute}
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {4, 8 * time.Minute},
		{12, cfg.ExecBackoffMax}, {1000, cfg.ExecBackoffMax},
	} {
		if got := r.Wait(c.failures); got != c.want {
			t.Errorf("after %d failures: wait %v, want %v", c.failures, got, c.want)
		}
	}
	if got := (cfg.ExecRetry{Attempts: 5}).Wait(3); got != 0 {
		t.Errorf("no backoff: wait %v, want 0", got)
	}
}

// TestExecRetryDirRoundTrip: both keys, at the top level and in a
// neighbour, survive a config directory (cfgdir) and back.
func TestExecRetryDirRoundTrip(t *testing.T) {
	text := broken("ferry-exec-attempts: 7\nferry-exec-backoff: 90s", "ferry-exec-attempts: 0\n      ferry-exec-backoff: 1h")
	want := mustParse(t, []byte(text))
	if want.ExecRetry.Attempts != 7 || want.Neigh["bob"].ExecRetry.Backoff != time.Hour {
		t.Fatalf("the test config lost keys: %+v %+v", want.ExecRetry, want.Neigh["bob"].ExecRetry)
	}
	dir := filepath.Join(t.TempDir(), "cfg")
	if _, err := cfg.WriteDir([]byte(text), dir); err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.ExecRetry != want.ExecRetry || c.Neigh["bob"].ExecRetry != want.Neigh["bob"].ExecRetry {
		t.Errorf("through a directory: %+v and %+v, want %+v and %+v", c.ExecRetry, c.Neigh["bob"].ExecRetry,
			want.ExecRetry, want.Neigh["bob"].ExecRetry)
	}
}

// TestExecJobsKey: ferry-exec-jobs sets how many handlers run at once;
// absent it is 0 (toss's default, one per core); below 1 it is refused.
func TestExecJobsKey(t *testing.T) {
	for _, c := range []struct {
		top  string
		want int
		bad  bool
	}{
		{"", 0, false},
		{"ferry-exec-jobs: 1", 1, false},
		{"ferry-exec-jobs: 4", 4, false},
		{"ferry-exec-jobs: 0", 0, true},
		{"ferry-exec-jobs: -2", 0, true},
	} {
		conf, err := cfg.Parse([]byte(broken(c.top, "")))
		if c.bad {
			if err == nil || !strings.Contains(err.Error(), "ferry-exec-jobs") {
				t.Errorf("%q: err %v, want one naming ferry-exec-jobs", c.top, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.top, err)
		}
		if conf.ExecJobs != c.want {
			t.Errorf("%q: ExecJobs %d, want %d", c.top, conf.ExecJobs, c.want)
		}
		for _, w := range conf.Warnings {
			t.Errorf("%q: warned: %s", c.top, w)
		}
	}
}
