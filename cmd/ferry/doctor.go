package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/ferry-dtn/ferry/spool"
)

// finding is one problem ferry doctor reports: what it is (Kind, a
// fixed word scripts match on), how bad (Severity), where (Node, Pkt,
// Path, each when there is one), and what to do about it (Advice, with
// the exact command where one exists).
type finding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Node     string `json:"node,omitempty"`
	Pkt      string `json:"pkt,omitempty"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
	Advice   string `json:"advice"`
}

const (
	sevWarning = "warning"
	sevError   = "error"
)

// Doctor's exit codes, as monitoring plugins (Nagios, Icinga, Sensu)
// read them: 0 healthy, 1 warnings only, 2 at least one error.
const (
	doctorWarnings = 1
	doctorErrors   = 2
)

// exitStatus is an error that only sets the exit status: the command has
// already said everything on stdout.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// doctorLimits are the ages past which doctor reports a file, as given
// on the command line; a zero one is the config's (ageLimit).
type doctorLimits struct {
	part time.Duration // .part, .nock and tmp/ files
	tx   time.Duration // a packet waiting in tx
	rx   time.Duration // a packet waiting in rx that no toss failed on
}

func runDoctor(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--json] [--part-age AGE] [--tx-age AGE] [--rx-age AGE]")
	asJSON := fs.Bool("json", false, "print one JSON object per finding, one per line")
	partAge := fs.String("part-age", "", "report .part, .nock and tmp/ files older than `AGE` (default: their ferry-age limits, else 7d)")
	txAge := fs.String("tx-age", "", "report outbound packets older than `AGE` (default: the node's ferry-age tx limit, else 7d)")
	rxAge := fs.String("rx-age", "1d", "report received packets left untossed for longer than `AGE`")
	if err := g.parse(args); err != nil {
		return err
	}
	var lim doctorLimits
	for _, a := range []struct {
		flag string
		s    string
		to   *time.Duration
	}{{"--part-age", *partAge, &lim.part}, {"--tx-age", *txAge, &lim.tx}, {"--rx-age", *rxAge, &lim.rx}} {
		if a.s == "" {
			continue
		}
		d, err := parseAge(a.s)
		if err != nil {
			return usageErrorf("%s: %v", a.flag, err)
		}
		*a.to = d
	}
	c, err := g.config()
	if err != nil {
		return err
	}
	d := &doctor{c: c, lim: lim, now: time.Now()}
	d.examine()
	return d.print(g.Stdout, *asJSON)
}

// print writes the findings, errors first, and returns the exit status
// they make.
func (d *doctor) print(w *output, asJSON bool) error {
	sort.SliceStable(d.found, func(i, k int) bool {
		return d.found[i].Severity == sevError && d.found[k].Severity != sevError
	})
	code := 0
	for _, f := range d.found {
		if f.Severity == sevError {
			code = doctorErrors
		} else if code == 0 {
			code = doctorWarnings
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, f := range d.found {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
	} else {
		if len(d.found) == 0 {
			fmt.Fprintf(w, "ok: %s and its spool %s are healthy\n", d.cfgName(), d.c.Spool)
		}
		for _, f := range d.found {
			where := f.Node
			if f.Pkt != "" {
				where += "/" + f.Pkt
			}
			if where == "" {
				where = f.Path // a finding about no node: the file it is about
			}
			if where != "" {
				where = " " + where
			}
			fmt.Fprintf(w, "%s: %s%s: %s\n", f.Severity, f.Kind, where, f.Message)
			fmt.Fprintf(w, "  advice: %s\n", f.Advice)
		}
	}
	if code != 0 {
		return exitStatus(code)
	}
	return nil
}

func (d *doctor) cfgName() string {
	if d.c.Self != nil {
		return "node " + d.c.Self.ID.String()
	}
	return "the config"
}

// openSpool opens the spool for reading only, or says why it cannot.
func (d *doctor) openSpool() *spool.Spool {
	sp, err := spool.Inspect(d.c.Spool, d.selfID(), spool.Options{})
	if err != nil {
		d.add(finding{Kind: "spool-missing", Severity: sevError, Path: d.c.Spool, Message: err.Error(),
			Advice: "create it (any sending command does: ferry file, ferry exec), or fix 'spool' in the config or --spool"})
		return nil
	}
	return sp
}
