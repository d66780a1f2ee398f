//go:build race

package packet_test

// raceEnabled: the race detector makes sync.Pool drop items at random and
// allocates for its own bookkeeping, so allocation counts mean nothing.
const raceEnabled = true
