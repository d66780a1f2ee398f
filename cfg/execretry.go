package cfg

import (
	"time"
)

// ExecRetry is what toss does with an exec packet whose handler keeps
// failing (config keys ferry-exec-attempts and ferry-exec-backoff, at the
// top level and per neighbour; ferry only, NNCP ignores them). NNCP
// retries such a packet at every toss, forever, and never tells anyone;
// ferry waits longer after each failure and, after Attempts runs that
// failed, sets the packet aside and tells its origin why.
type ExecRetry struct {
	Attempts int           // failed runs before the packet is set aside; 0: retry forever
	Backoff  time.Duration // wait after the first failure, doubled after each later one
}

// The defaults: five runs over about a quarter of an hour (1, 2, 4, 8
// minutes apart), long enough for a full mailbox or a restarting
// service to come back, short enough that the origin hears the same day.
const (
	DefaultExecAttempts = 5
	DefaultExecBackoff  = time.Minute
	// ExecBackoffMax caps the doubled wait: a handler is tried at least
	// once a day while attempts remain.
	ExecBackoffMax = 24 * time.Hour
)

// DefaultExecRetry is the policy of a config that sets neither key.
var DefaultExecRetry = ExecRetry{Attempts: DefaultExecAttempts, Backoff: DefaultExecBackoff}

// Wait is how long after its last failed run, the failures'th, a packet
// is tried again.
func (r ExecRetry) Wait(failures int) time.Duration {
	if failures <= 0 || r.Backoff <= 0 {
		return 0
	}
	d := r.Backoff
	for i := 1; i < failures && d < ExecBackoffMax; i++ {
		d *= 2
	}
	return min(d, ExecBackoffMax)
}

// rawExecRetry holds the two keys where they may appear: embedded in
// rawConfig and rawNode.
type rawExecRetry struct {
	ExecAttempts *int    `json:"ferry-exec-attempts"` // ferry only: a count, 0 for no limit
	ExecBackoff  *string `json:"ferry-exec-backoff"`  // ferry only: a Go duration
}

// buildExecRetry applies the keys at prefix p (the top level: "", a
// neighbour: "neigh.NAME.") over base.
func buildExecRetry(p string, r rawExecRetry, base ExecRetry) (ExecRetry, error) {
	out := base
	if r.ExecAttempts != nil {
		if *r.ExecAttempts < 0 {
			return out, fieldErr(p+"ferry-exec-attempts", "want a count of 0 (no limit) or more, not %d", *r.ExecAttempts)
		}
		out.Attempts = *r.ExecAttempts
	}
	if r.ExecBackoff != nil {
		d, err := time.ParseDuration(*r.ExecBackoff)
		if err != nil || d < 0 {
			return out, fieldErr(p+"ferry-exec-backoff", "want a duration such as 1m, not %q", *r.ExecBackoff)
		}
		out.Backoff = d
	}
	return out, nil
}

// applyExecRetry sets the global policy and each neighbour's (its own
// keys over the global ones).
func (c *Config) applyExecRetry(raw *rawConfig, nodes map[string]*rawNode) error {
	var err error
	if c.ExecRetry, err = buildExecRetry("", raw.rawExecRetry, DefaultExecRetry); err != nil {
		return err
	}
	if raw.ExecJobs != nil {
		// 1 runs handlers one at a time, as NNCP does, for handlers that
		// cannot share their target (a git am, a tar into one directory).
		if *raw.ExecJobs < 1 {
			return fieldErr("ferry-exec-jobs", "want a count of 1 (one at a time, as NNCP) or more, not %d", *raw.ExecJobs)
		}
		c.ExecJobs = *raw.ExecJobs
	}
	for _, name := range sortedKeys(nodes) {
		if c.Neigh[name].ExecRetry, err = buildExecRetry("neigh."+name+".", nodes[name].rawExecRetry, c.ExecRetry); err != nil {
			return err
		}
	}
	return nil
}

// ExecRetryFor is the policy for exec packets from node (the global one
// for a node the config does not name).
func (c *Config) ExecRetryFor(node *Node) ExecRetry {
	if node == nil {
		return c.ExecRetry
	}
	return node.ExecRetry
}
