package call

import (
	"testing"

	"ferry/cfg"
	"ferry/packet"
	"ferry/spool"
)

// TestCallbacksRunUnlocked: Progress and AutoToss are called without the
// session's lock held, so a slow terminal or a toss cannot stall the
// receiving and sending loops, which need it for every payload.
func TestCallbacksRunUnlocked(t *testing.T) {
	t.Parallel()
	self, peer := packet.ID{1}, packet.ID{2}
	store, err := spool.Open(t.TempDir(), self, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var s *session
	locked := map[string]bool{}
	probe := func(name string) {
		if s.mu.TryLock() {
			s.mu.Unlock()
			locked[name] = false
		} else {
			locked[name] = true
		}
	}
	opt := Options{RxOnly: true,
		Progress: func(Stats) { probe("Progress") },
		AutoToss: func() { probe("AutoToss") }}
	s = newSession(store, &cfg.Config{}, &cfg.Node{Name: "peer", ID: peer}, opt)
	s.everySecond()
	for _, name := range []string{"Progress", "AutoToss"} {
		if held, called := locked[name]; !called || held {
			t.Errorf("%s: called %v, under the lock %v", name, called, held)
		}
	}
}
