package call

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// End says how a session ended. The protocol has no goodbye (each side
// closes when it falls idle), so a session we did not end ourselves may
// still have been a normal one: what decides success is what is left.
type End int

const (
	EndIdle        End = iota // our idle deadline or maximum time: the normal end
	EndPeerClosed             // the peer closed the connection (its own idle end, or it died)
	EndBroken                 // the connection failed: reset, write error, garbled stream, silence
	EndFailed                 // a local or protocol error of ours ended it
	EndInterrupted            // our context was cancelled (a signal, the caller stopping)
)

func (e End) String() string {
	switch e {
	case EndIdle:
		return "idle"
	case EndPeerClosed:
		return "peer-closed"
	case EndBroken:
		return "broken"
	case EndFailed:
		return "failed"
	case EndInterrupted:
		return "interrupted"
	}
	return fmt.Sprintf("End(%d)", int(e))
}

// ErrPeerClosed is the cause of a session cut by the peer closing the
// connection while transfers were unfinished.
var ErrPeerClosed = errors.New("the peer closed the connection")

// Left is what a session did not finish. Nothing of it is lost: the
// packets stay queued, downloads stay as .part, and the next session
// resumes them.
type Left struct {
	// Packets the peer asked for (FREQ) and did not acknowledge (DONE),
	// whether or not all their bytes went out.
	HalfSent     int
	HalfSentSize int64
	// Packets we asked for and did not store: not all bytes came, the
	// checksum failed, or the commit did not happen.
	HalfReceived     int
	HalfReceivedSize int64
	// Packets we offered as the initiator that the peer neither asked for
	// nor acknowledged, in a session we did not end ourselves (a peer
	// that dies before reading our offers asks for nothing). Not counted
	// after our own idle end: the peer had the whole deadline to ask.
	NotTaken     int
	NotTakenSize int64
}

// Empty reports whether the session finished everything it began.
func (l Left) Empty() bool { return l.HalfSent+l.HalfReceived+l.NotTaken == 0 }

// String is one phrase: "1 packet half-sent (10.0 MiB), 2 packets
// half-received (3.1 KiB)".
func (l Left) String() string {
	var parts []string
	add := func(n int, size int64, what string) {
		if n == 0 {
			return
		}
		noun := "packets"
		if n == 1 {
			noun = "packet"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s (%s)", n, noun, what, sizeString(size)))
	}
	add(l.HalfSent, l.HalfSentSize, "half-sent")
	add(l.HalfReceived, l.HalfReceivedSize, "half-received")
	add(l.NotTaken, l.NotTakenSize, "offered, not taken")
	return strings.Join(parts, ", ")
}

// SessionError is the result of an established session that was cut,
// failed, or left transfers unfinished. Call and Serve return it (and
// nothing else) once the handshake is done; errors.Is and errors.As
// reach the cause through Unwrap.
type SessionError struct {
	End  End
	Left Left
	Err  error // what ended the session; nil after our idle end or an interruption
}

// What names the outcome: "session cut" (the connection dropped, or the
// peer closed it with transfers unfinished), "session failed", "session
// interrupted" or "session ended unfinished".
func (e *SessionError) What() string {
	switch e.End {
	case EndPeerClosed, EndBroken:
		return "session cut"
	case EndFailed:
		return "session failed"
	case EndInterrupted:
		return "session interrupted"
	}
	return "session ended unfinished"
}

func (e *SessionError) Error() string {
	var b strings.Builder
	b.WriteString(e.What())
	if !e.Left.Empty() {
		b.WriteString(": " + e.Left.String())
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *SessionError) Unwrap() error { return e.Err }

// result turns how a session ended and what it left into the error Call
// and Serve return: nil only when nothing is left and the end was a
// normal one (ours, the peer's close, or an interruption).
func result(end End, cause error, left Left) error {
	switch end {
	case EndBroken, EndFailed:
		return &SessionError{End: end, Left: left, Err: cause}
	case EndPeerClosed:
		cause = ErrPeerClosed
	default:
		cause = nil
	}
	if left.Empty() {
		return nil
	}
	return &SessionError{End: end, Left: left, Err: cause}
}

// connError marks a failure of the connection itself (reading or writing
// it), as opposed to one of ours.
type connError struct{ err error }

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// errPeerEOF ends the loops when the peer closes the connection.
var errPeerEOF = errors.New("peer closed")

// classify maps the cause that stopped a session's loops to its end.
func classify(cause error) End {
	var ce *connError
	switch {
	case errors.Is(cause, errIdle):
		return EndIdle
	case errors.Is(cause, errPeerEOF):
		return EndPeerClosed
	case errors.As(cause, &ce), errors.Is(cause, ErrSilence):
		return EndBroken
	case errors.Is(cause, context.Canceled), errors.Is(cause, context.DeadlineExceeded):
		return EndInterrupted
	}
	return EndFailed
}

// sizeString is n in binary units, as the command line prints sizes.
func sizeString(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), -1
	for f >= unit && i < len("KMGTPE")-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTPE"[i])
}
