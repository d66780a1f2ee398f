package toss

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// A handler that exits non-zero leaves its packet in rx to be run again,
// as in NNCP. ferry keeps count (spool's attempts record, beside the
// packet), waits longer after each failure (cfg.ExecRetry's backoff,
// measured from the last failure's time in the record, so no periodic
// loop or running process has to remember it), and after the policy's
// number of attempts sets the packet aside and tells a ferry origin, in
// the receipt, how the handler exited and how often it was tried.
//
//	handler fails -> exec marker dropped -> record failures+1
//	   -> below the limit: packet stays, counted as failed, retried once due
//	   -> at the limit:    receipt "handler exited N after M attempts" -> rx/bad/
//
// The record is written before the packet is set aside: a toss killed in
// between finds the limit reached and sets it aside without running the
// handler again.

// handlerGaveUp is the refusal of an exec packet whose handler failed as
// often as the policy allows.
type handlerGaveUp struct {
	handle   string
	status   *int // nil: it could not be started, or died of a signal
	failures int
	last     string // the last run's reason and output line: for our log, not the receipt
}

func (e *handlerGaveUp) public() string {
	return fmt.Sprintf("refused: exec %s: %s after %d attempts", e.handle, exitText(e.status), e.failures)
}

func (e *handlerGaveUp) Error() string {
	if e.last == "" {
		return e.public()
	}
	return e.public() + " (last run: " + e.last + ")"
}

func (e *handlerGaveUp) Unwrap() error { return ErrRefused }

func exitText(status *int) string {
	if status == nil {
		return "handler did not run to an exit status"
	}
	return fmt.Sprintf("handler exited %d", *status)
}

// now is the toss's clock.
func (t *Tosser) now() time.Time {
	if t.opt.Now != nil {
		return t.opt.Now()
	}
	return time.Now()
}

// retryGate decides, before an exec packet whose handler failed before
// is decrypted further, whether it runs now. It returns true when the
// packet was dealt with here: left until its backoff has passed, or set
// aside because the limit was reached by a toss that did not finish.
func (t *Tosser) retryGate(o *origin, xx spool.XX, id packet.ID, ty packet.Type, handle string) bool {
	a, err := t.sp.ExecAttempts(o.dir, id)
	if err != nil {
		// A damaged record must not keep the packet from running: it
		// is counted afresh.
		t.log.Warn("exec attempts record unreadable; counting afresh", "who", "rx-exec", "node", o.name, "pkt", id.String(), "err", err)
		return false
	}
	if a.Failures == 0 {
		return false
	}
	policy := t.c.ExecRetryFor(o.node)
	if policy.Attempts > 0 && a.Failures >= policy.Attempts {
		t.refuse(o, xx, id, ty, &handlerGaveUp{handle: handle, status: a.Status, failures: a.Failures, last: a.Reason})
		return true
	}
	due := a.Last.Add(policy.Wait(a.Failures))
	if t.opt.RetryNow || !t.now().Before(due) {
		return false
	}
	t.res.Waiting++
	t.res.Failed++
	t.log.Info("exec handler failed before; packet left in rx until its next try", "who", "rx-exec", "node", o.name,
		"pkt", id.String(), "handle", handle, "failures", a.Failures, "attempts", policy.Attempts,
		"due", due.UTC().Format(time.RFC3339), "err", a.Reason)
	return true
}

// handlerFailed records a failed run of the handler of o's packet and
// returns the error toss reports (its one log line, with the handler's
// output): one that leaves the packet for a later try, or, at the
// policy's limit, a refusal that sets it aside.
func (t *Tosser) handlerFailed(o *origin, handle string, runErr error, out []byte) error {
	var status *int
	reason := "handler could not be started: " + runErr.Error()
	// An *exec.ExitError when the shell started the handler, a
	// *handlerExit when the claimer did.
	var ee interface {
		error
		ExitCode() int
	}
	if errors.As(runErr, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			status = &code
			reason = fmt.Sprintf("handler exited %d", code)
		} else {
			reason = "handler " + ee.Error()
		}
	}
	if line, _, _ := bytes.Cut(out, []byte("\n")); len(line) > 0 {
		reason += ": " + string(line) // the record keeps the first line, for doctor
	}
	prev, err := t.sp.ExecAttempts(o.dir, o.pktID)
	if err != nil {
		t.log.Warn("exec attempts record unreadable; counting afresh", "who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "err", err)
	}
	a := spool.Attempts{Failures: prev.Failures + 1, Last: t.now(), Status: status, Reason: reason}
	if err := t.sp.RecordExecAttempts(o.dir, o.pktID, a); err != nil {
		t.log.Warn("exec attempt not recorded", "who", "rx-exec", "node", o.name, "pkt", o.pktID.String(), "err", err)
	}
	policy := t.c.ExecRetryFor(o.node)
	if policy.Attempts > 0 && a.Failures >= policy.Attempts {
		return &handlerGaveUp{handle: handle, status: status, failures: a.Failures, last: withOutput(reason, out)}
	}
	next := "at the next toss"
	if w := policy.Wait(a.Failures); w > 0 {
		next = "after " + a.Last.Add(w).UTC().Format(time.RFC3339)
	}
	limit := "no limit"
	if policy.Attempts > 0 {
		limit = fmt.Sprintf("%d of %d", a.Failures, policy.Attempts)
	}
	return fmt.Errorf("exec %s from %s: %s (attempt %s; tried again %s)", handle, o.name, withOutput(reason, out), limit, next)
}

// withOutput is reason followed by the rest of the handler's output
// when it has more than the first line reason already holds.
func withOutput(reason string, out []byte) string {
	if i := bytes.IndexByte(out, '\n'); i >= 0 && len(bytes.TrimSpace(out[i+1:])) > 0 {
		return reason + "\n" + string(out[i+1:])
	}
	return reason
}
