package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/spool/journal"
)

func runLog(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("[--raw]")
	raw := fs.Bool("raw", false, "print the records as stored")
	if err := g.parse(args); err != nil {
		return err
	}
	c, err := g.config()
	if err != nil {
		return err
	}
	f, err := os.Open(c.Log)
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	return journal.Read(f, func(r journal.Record) error {
		if *raw {
			for _, fl := range r.Fields {
				fmt.Fprintf(g.Stdout, "%s: %s\n", fl.Name, strings.ReplaceAll(fl.Value, "\n", "\n+ "))
			}
			fmt.Fprintln(g.Stdout)
			return nil
		}
		if g.nncp {
			fmt.Fprintln(g.Stdout, nncpLogLine(r))
			return nil
		}
		fmt.Fprintln(g.Stdout, logLine(r))
		return nil
	})
}

// logLine is one readable line per event: when, what, node, packet, type,
// size, then the result.
func logLine(r journal.Record) string {
	when := r.Get("When")
	if len(when) >= 19 {
		when = strings.Replace(when[:19], "T", " ", 1)
	}
	parts := []string{when, pad(r.Get("Who"), 8)}
	for _, k := range []string{"Node", "Pkt", "Type", "Size", "Dst", "Area", "Handle"} {
		if v := r.Get(k); v != "" {
			parts = append(parts, strings.ToLower(k)+"="+v)
		}
	}
	res := r.Get("Msg")
	if e := r.Get("Err"); e != "" {
		res = "ERROR " + res + ": " + strings.ReplaceAll(e, "\n", " ")
	}
	return strings.Join(append(parts, res), " ")
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// nncpLogLine is nncp-log's layout: the time (RFC 3339, seconds), ERROR
// for failures, the message and its error; ferry's messages are short,
// so the fields that name the node, packet and size follow the message.
func nncpLogLine(r journal.Record) string {
	when := r.Get("When")
	if t, err := time.Parse(time.RFC3339Nano, when); err == nil {
		when = t.Format(time.RFC3339)
	}
	var b strings.Builder
	b.WriteString(when + " ")
	e := r.Get("Err")
	if e != "" {
		b.WriteString("ERROR ")
	}
	b.WriteString(r.Get("Msg"))
	for _, k := range []string{"Node", "Pkt", "Type", "Size", "Dst", "Area", "Handle"} {
		if v := r.Get(k); v != "" {
			b.WriteString(" " + strings.ToLower(k) + "=" + v)
		}
	}
	if e != "" {
		b.WriteString(": " + strings.ReplaceAll(e, "\n", " "))
	}
	return b.String()
}
