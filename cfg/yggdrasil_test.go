package cfg

import (
	"errors"
	"testing"
)

// TestCheckAddr: only NNCP's Yggdrasil URL schemes are refused, in any
// case; a host that happens to be named yggdrasil is an address.
func TestCheckAddr(t *testing.T) {
	for _, c := range []struct {
		addr    string
		refused bool
	}{
		{"yggdrasilc://52be3c14?prv=x", true},
		{"yggdrasils://[::]:5400", true},
		{"Yggdrasil://x", true},
		{" yggdrasilc://x", true},
		{"yggdrasil:5400", false},
		{"127.0.0.1:5400", false},
		{"[200::1]:5400", false},
		{"|ssh bob nncp-daemon -inetd", false},
	} {
		err := CheckAddr(c.addr)
		if got := errors.Is(err, ErrYggdrasil); got != c.refused || (err != nil) != c.refused {
			t.Errorf("CheckAddr(%q) = %v, want refused %v", c.addr, err, c.refused)
		}
	}
}
