package main

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/ferry-dtn/ferry/spool"
)

// A mail server piping a message into `ferry exec` (Postfix's pipe(8),
// Exim's pipe transport) bounces it when the command exits 1, but defers
// it and tries again later when it exits 75, EX_TEMPFAIL. So a sending
// command that queued nothing for a reason that passes by itself exits
// 75: a full disk or quota, a spool lock another process holds. A cron
// job or script that retries on 75 does the right thing as well, and one
// that only tests for success loses nothing. Failures that a retry
// cannot mend (an unknown node, a bad argument, a packet too large for
// the quota itself) keep their 1 or 2.

// deferrable are the commands whose failure is worth a retry by their
// caller: each queues one message, and queues nothing when it fails.
// ack is left out: it queues an ACK per packet, and one that fails
// midway has queued some.
var deferrable = map[string]bool{"exec": true, "file": true, "freq": true, "trns": true}

// temporaryCauses are the errors that pass by themselves: space freed,
// a queue drained by a call, a lock released.
var temporaryCauses = []error{
	syscall.ENOSPC,     // the spool's filesystem is full
	syscall.EDQUOT,     // the user's disk quota is full
	spool.ErrNoRoom,    // not enough room above ferry-reserve
	spool.ErrQuotaFull, // the queue's ferry-quota is full
	spool.ErrLocked,    // another process holds the lock
}

// tempFailure reports whether command name failed with err for a
// temporary reason, having queued nothing.
func tempFailure(name string, err error) bool {
	if !deferrable[name] || err == nil {
		return false
	}
	var some *queuedSome
	if errors.As(err, &some) {
		return false // a retry would queue those again
	}
	var qe *spool.QuotaError
	if errors.As(err, &qe) && neverFits(qe) {
		return false // larger than the quota itself: no draining helps
	}
	for _, c := range temporaryCauses {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// neverFits: what was asked for is more than the quota holds even
// with the queue empty.
func neverFits(qe *spool.QuotaError) bool {
	return (qe.Limit.Bytes > 0 && qe.Need.Bytes > qe.Limit.Bytes) ||
		(qe.Limit.Packets > 0 && qe.Need.Packets > qe.Limit.Packets)
}

// queuedSome marks a sending command's failure after it queued part of
// what it was asked to (chunks of a file, before the disk filled): it
// has failed, but not temporarily, as trying again queues the same
// packets twice.
type queuedSome struct {
	err    error
	queued int
}

func (e *queuedSome) Error() string {
	return fmt.Sprintf("%v (after queueing %d packets, which stay queued)", e.err, e.queued)
}
func (e *queuedSome) Unwrap() error { return e.err }
