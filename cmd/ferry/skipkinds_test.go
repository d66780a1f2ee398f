package main

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss"
)

// toss's --noKIND flags and the autotoss ones share one table: each kind
// puts all its packet types in the skip set, and =false takes them out.
func TestSkipFlags(t *testing.T) {
	set := func(ts ...packet.Type) toss.TypeSet {
		var s toss.TypeSet
		for _, t := range ts {
			s = s.With(t)
		}
		return s
	}
	for _, tc := range []struct {
		args []string
		want toss.TypeSet
	}{
		{nil, 0},
		{[]string{"--noexec"}, set(packet.TypeExec, packet.TypeExecFat)},
		{[]string{"--nofile", "--noack"}, set(packet.TypeFile, packet.TypeACK)},
		{[]string{"--noarea", "--noarea=false", "--notrns=true"}, set(packet.TypeTrns)},
		{[]string{"--nofreq"}, set(packet.TypeFreq)},
	} {
		var got toss.TypeSet
		fs := pflag.NewFlagSet("toss", pflag.ContinueOnError)
		addSkipFlags(fs, &got, "no", func(kind string) string { return kind })
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if got != tc.want {
			t.Errorf("%q: skip set %b, want %b", tc.args, got, tc.want)
		}
	}
	if got, want := skipSet(map[string]bool{"exec": true, "area": true}), set(packet.TypeExec, packet.TypeExecFat, packet.TypeArea); got != want {
		t.Errorf("skipSet: %b, want %b", got, want)
	}
}
