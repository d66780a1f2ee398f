package call

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/internal/labtest"
	"github.com/ferry-dtn/ferry/internal/labtest/labnode"
)

// deadlineConn is a peer that never answers, whose deadlines fail with
// err.
type deadlineConn struct {
	sent bytes.Buffer
	err  error
}

func (c *deadlineConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *deadlineConn) Write(p []byte) (int, error)      { return c.sent.Write(p) }
func (c *deadlineConn) SetReadDeadline(time.Time) error  { return c.err }
func (c *deadlineConn) SetWriteDeadline(time.Time) error { return c.err }

// A deadline that cannot be set fails the handshake before a byte goes
// out: a silent peer would otherwise hang it. A file that takes no
// deadlines is a stream without them: the handshake goes on.
func TestHandshakeDeadlineErrors(t *testing.T) {
	dir := labtest.New(t)
	alice := labnode.Config(t, "alice", dir)
	bob := labnode.Config(t, "bob", dir)
	bobNode := alice.ByID[bob.Self.ID]
	refused := errors.New("deadline refused")
	for _, tc := range []struct {
		name     string
		err      error
		wantSent bool
	}{
		{"refused", refused, false},
		{"no deadlines", os.ErrNoDeadline, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := &deadlineConn{err: tc.err}
			_, _, err := handshakeInitiator(conn, alice, bobNode, nil, time.Second)
			if sent := conn.sent.Len() > 0; sent != tc.wantSent {
				t.Fatalf("message 1 sent: %v, want %v (err %v)", sent, tc.wantSent, err)
			}
			var na *NoAnswerError
			switch {
			case !tc.wantSent && !errors.Is(err, refused):
				t.Fatalf("err %v, want the deadline's", err)
			case tc.wantSent && !errors.As(err, &na):
				t.Fatalf("err %v, want no answer from the silent peer", err)
			}
		})
	}
}
