package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

// How a session ended and what it left decide its result: a normal end
// (ours, the peer's close, an interruption) is a success only with
// nothing left; a broken connection or an error of ours never is.
func TestSessionResult(t *testing.T) {
	t.Parallel()
	halfSent := Left{HalfSent: 1, HalfSentSize: 10 << 20}
	both := Left{HalfSent: 1, HalfSentSize: 10 << 20, HalfReceived: 2, HalfReceivedSize: 3000}
	reset := &connError{fmt.Errorf("receive: %w", errors.New("connection reset by peer"))}
	for _, c := range []struct {
		name  string
		cause error
		left  Left
		end   End
		want  string // "" for success
	}{
		{"idle, nothing left", errIdle, Left{}, EndIdle, ""},
		{"idle, unacknowledged", errIdle, halfSent, EndIdle, "session ended unfinished: 1 packet half-sent (10.0 MiB)"},
		{"peer closed, nothing left", errPeerEOF, Left{}, EndPeerClosed, ""},
		{"peer closed mid-transfer", errPeerEOF, both, EndPeerClosed,
			"session cut: 1 packet half-sent (10.0 MiB), 2 packets half-received (2.9 KiB): the peer closed the connection"},
		{"peer died before asking", errPeerEOF, Left{NotTaken: 3, NotTakenSize: 100}, EndPeerClosed,
			"session cut: 3 packets offered, not taken (100 B): the peer closed the connection"},
		{"reset, nothing left", reset, Left{}, EndBroken, "session cut: receive: connection reset by peer"},
		{"reset mid-transfer", reset, halfSent, EndBroken, "session cut: 1 packet half-sent (10.0 MiB): receive: connection reset by peer"},
		{"silence", ErrSilence, Left{}, EndBroken, "session cut: peer silent for 120 s"},
		{"our disk", errors.New("write x: no space left on device"), Left{HalfReceived: 1, HalfReceivedSize: 5 << 30}, EndFailed,
			"session failed: 1 packet half-received (5.0 GiB): write x: no space left on device"},
		{"interrupted, nothing left", context.Canceled, Left{}, EndInterrupted, ""},
		{"interrupted mid-transfer", context.Canceled, halfSent, EndInterrupted, "session interrupted: 1 packet half-sent (10.0 MiB)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			end := classify(c.cause)
			if end != c.end {
				t.Fatalf("classify(%v) = %v, want %v", c.cause, end, c.end)
			}
			err := result(end, c.cause, c.left)
			if c.want == "" {
				if err != nil {
					t.Fatalf("result: %v, want success", err)
				}
				return
			}
			var se *SessionError
			if !errors.As(err, &se) || se.End != c.end || se.Left != c.left {
				t.Fatalf("result: %#v", err)
			}
			if err.Error() != c.want {
				t.Errorf("message\n got %q\nwant %q", err.Error(), c.want)
			}
			if c.end == EndBroken && !errors.Is(err, c.cause) {
				t.Error("the cause is not reachable through the error")
			}
		})
	}
}

func TestClassifyWrappedCauses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cause error
		end   End
	}{
		{fmt.Errorf("x: %w", io.EOF), EndFailed}, // an EOF reading a packet file is ours, not the peer's
		{&connError{io.ErrUnexpectedEOF}, EndBroken},
		{context.DeadlineExceeded, EndInterrupted},
		{fmt.Errorf("store received packets: %w", errors.New("disk")), EndFailed},
	} {
		if got := classify(c.cause); got != c.end {
			t.Errorf("classify(%v) = %v, want %v", c.cause, got, c.end)
		}
	}
}
