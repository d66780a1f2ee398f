//go:build race

package fsio

// raceEnabled: the race detector makes sync.Pool drop items at random and
// allocates for its own bookkeeping, so allocation counts mean nothing.
const raceEnabled = true
