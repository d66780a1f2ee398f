package main

import (
	"strconv"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss"
)

// skipKind is a kind of packet a toss can leave untouched, named as in
// NNCP's -noKIND and -autotoss-noKIND flags and autotoss-noKIND keys.
type skipKind struct {
	name  string
	types []packet.Type
}

// skipKinds is the one list of them; exec covers both exec packet types.
var skipKinds = []skipKind{
	{"file", []packet.Type{packet.TypeFile}},
	{"freq", []packet.Type{packet.TypeFreq}},
	{"exec", []packet.Type{packet.TypeExec, packet.TypeExecFat}},
	{"trns", []packet.Type{packet.TypeTrns}},
	{"area", []packet.Type{packet.TypeArea}},
	{"ack", []packet.Type{packet.TypeACK}},
}

// addSkipFlags adds a boolean flag prefix+KIND per kind that puts the
// kind's types in set.
func addSkipFlags(fs *pflag.FlagSet, set *toss.TypeSet, prefix string, usage func(kind string) string) {
	for _, k := range skipKinds {
		fs.VarPF(&skipFlag{set: set, types: k.types}, prefix+k.name, "", usage(k.name)).NoOptDefVal = "true"
	}
}

// skipSet is the set of the types of the kinds on says to leave.
func skipSet(on map[string]bool) toss.TypeSet {
	var s toss.TypeSet
	for _, k := range skipKinds {
		if on[k.name] {
			for _, t := range k.types {
				s = s.With(t)
			}
		}
	}
	return s
}

// skipFlag is a boolean flag that puts its packet types in a skip set.
type skipFlag struct {
	set   *toss.TypeSet
	types []packet.Type
}

func (f *skipFlag) String() string {
	return strconv.FormatBool(f.set != nil && len(f.types) > 0 && f.set.Has(f.types[0]))
}

func (f *skipFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	for _, t := range f.types {
		if on {
			*f.set = f.set.With(t)
		} else {
			*f.set &^= toss.TypeSet(0).With(t)
		}
	}
	return nil
}

func (f *skipFlag) Type() string { return "bool" }

// IsBoolFlag makes the help show it as every other boolean flag.
func (f *skipFlag) IsBoolFlag() bool { return true }
