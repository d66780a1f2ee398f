package main

import "github.com/ferry-dtn/ferry/packet"

// niceValue is a pflag.Value accepting 1..255 or NNCP's names with
// modifiers (flash, P, normal+5, B-3).
type niceValue struct{ v *uint8 }

func newNice(p *uint8, def uint8) niceValue {
	*p = def
	return niceValue{p}
}

func (n niceValue) String() string { return packet.NiceString(*n.v) }
func (n niceValue) Type() string   { return "NICE" }

func (n niceValue) Set(s string) error {
	v, err := packet.ParseNice(s)
	if err != nil {
		return err
	}
	*n.v = v
	return nil
}
