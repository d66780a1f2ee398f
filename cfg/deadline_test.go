package cfg_test

import (
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
)

// TestOnlineDeadlineDefault: a neighbour without onlinedeadline takes the
// one LoadOptions gives (the command line's NNCPDEADLINE), else 10 s; one
// with its own keeps it. The environment is not read here.
func TestOnlineDeadlineDefault(t *testing.T) {
	t.Setenv("NNCPDEADLINE", "3")
	for _, c := range []struct {
		opt        cfg.LoadOptions
		carol, bob time.Duration
	}{
		{cfg.LoadOptions{}, 10 * time.Second, 2 * time.Second},
		{cfg.LoadOptions{OnlineDeadline: 7 * time.Second}, 7 * time.Second, 2 * time.Second},
	} {
		alice, err := cfg.Parse(labConfig(t, "alice"), c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := alice.Neigh["carol"].OnlineDeadline; got != c.carol {
			t.Errorf("%+v: carol's onlinedeadline %v, want %v", c.opt, got, c.carol)
		}
		if got := alice.Neigh["bob"].OnlineDeadline; got != c.bob {
			t.Errorf("%+v: bob's onlinedeadline %v, want %v", c.opt, got, c.bob)
		}
	}
}
