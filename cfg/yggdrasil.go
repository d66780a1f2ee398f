package cfg

import (
	"errors"
	"strings"
)

// NNCP can dial and listen through an embedded Yggdrasil node
// (yggdrasilc://, yggdrasils://). ferry has none, and would only fail
// later with a puzzling dial error; a Yggdrasil daemon gives the host an
// ordinary IPv6 address that ferry can use like any other. So such an
// address is refused when the config is loaded, saying what to do.

const errYggdrasil = "yggdrasil addresses are not supported; run the Yggdrasil daemon and use its address"

// ErrYggdrasil is the refusal of such an address given outside the
// config, in the same words.
var ErrYggdrasil = errors.New(errYggdrasil)

// CheckAddr refuses an address from the command line (ferry call NODE
// ADDR, ferry daemon --bind) that the loader would refuse in the config.
func CheckAddr(addr string) error {
	if isYggdrasil(addr) {
		return ErrYggdrasil
	}
	return nil
}

// isYggdrasil reports whether addr is in one of NNCP's Yggdrasil URL
// schemes. Only the URL form counts: "yggdrasil:5400" is an ordinary TCP
// address of a host named yggdrasil, to NNCP as to ferry.
func isYggdrasil(addr string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(addr), "://")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "yggdrasil", "yggdrasilc", "yggdrasils":
		return true
	}
	return false
}
