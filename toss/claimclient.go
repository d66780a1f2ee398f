package toss

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"

	"golang.org/x/sys/unix"
)

// errClaimerLost: the claimer ended before it answered, so whether it
// claimed and started the handler is not known here. The marker, if it
// exists, says so to the next toss; it must not be dropped.
var errClaimerLost = errors.New("the claimer process ended before answering")

// handlerExit is a handler's exit as the claimer saw it.
type handlerExit struct {
	code   int
	signal string
}

func (e *handlerExit) Error() string {
	if e.signal != "" {
		return "signal: " + e.signal
	}
	return fmt.Sprintf("exit status %d", e.code)
}

// ExitCode is the handler's exit status, -1 if a signal ended it.
func (e *handlerExit) ExitCode() int { return e.code }

// errClaimTaken: the marker existed, the command was started before.
var errClaimTaken = errors.New("claimed before")

// replyMax bounds a reply: its output (maxExecOutput) in base64, and a
// few fields.
const replyMax = 2*maxExecOutput + 4<<10

// claimer is toss's side of a claimer process: requests go out from the
// tossing goroutine; a reader goroutine, owned by the claimer and waited
// for by close, hands each reply to the request's channel.
type claimer struct {
	cmd        *exec.Cmd
	conn       *net.UnixConn
	readerDone chan struct{}

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan claimReply
	lost    bool // the reader has ended: no reply comes any more
}

// startClaimer starts path as a claimer (see ServeClaims).
func startClaimer(path string) (*claimer, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("claimer socket: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "claimer"), os.NewFile(uintptr(fds[1]), "claims")
	defer func() { _ = theirs.Close() }() // the claimer's own copy stays open in it
	fc, err := net.FileConn(ours)
	_ = ours.Close() // FileConn made its own descriptor
	if err != nil {
		return nil, fmt.Errorf("claimer socket: %w", err)
	}
	cmd := &exec.Cmd{Path: path, Args: []string{ClaimerName}, ExtraFiles: []*os.File{theirs}}
	if err := cmd.Start(); err != nil {
		_ = fc.Close()
		return nil, fmt.Errorf("start claimer %s: %w", path, err)
	}
	return newClaimer(fc.(*net.UnixConn), cmd), nil
}

// newClaimer is toss's side of conn, served by cmd (nil: served in this
// process, as in tests).
func newClaimer(conn *net.UnixConn, cmd *exec.Cmd) *claimer {
	c := &claimer{cmd: cmd, conn: conn, readerDone: make(chan struct{}), waiting: map[uint64]chan claimReply{}}
	go c.readReplies()
	return c
}

func (c *claimer) readReplies() {
	defer close(c.readerDone)
	buf := make([]byte, replyMax)
	for {
		n, err := c.conn.Read(buf)
		var r claimReply
		if err != nil || n == 0 || json.Unmarshal(buf[:n], &r) != nil {
			break
		}
		c.mu.Lock()
		ch := c.waiting[r.ID]
		delete(c.waiting, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r // buffered: never blocks
		}
	}
	c.mu.Lock()
	c.lost = true
	for id, ch := range c.waiting {
		close(ch)
		delete(c.waiting, id)
	}
	c.mu.Unlock()
}

// start asks the claimer to claim marker (as a link to template, if
// set) and start argv with stdin. The claimer holds lock, the queue's toss lock, until it is done
// with the request: a toss started after this one was killed cannot take
// the queue, see no claim yet and run the command while the claimer
// still holds the request, which it would then claim and run again once
// that toss removed the claim. The returned wait blocks until the handler
// ended, and gives the start of its output and how it ended: nil,
// errClaimTaken, errClaimerLost, or why it failed.
func (c *claimer) start(marker, template string, argv, env []string, stdin, lock *os.File) (wait func() ([]byte, error), err error) {
	ch := make(chan claimReply, 1)
	c.mu.Lock()
	if c.lost {
		c.mu.Unlock()
		return nil, errClaimerLost
	}
	c.next++
	id := c.next
	c.waiting[id] = ch
	c.mu.Unlock()
	b, err := json.Marshal(claimRequest{ID: id, Marker: marker, Template: template, Argv: argv, Env: env})
	if err == nil {
		_, _, err = c.conn.WriteMsgUnix(b, unix.UnixRights(int(stdin.Fd()), int(lock.Fd())), nil)
	}
	if err != nil {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		// A message is sent whole or not at all: not sent, not claimed.
		return nil, fmt.Errorf("send to claimer: %w", err)
	}
	return func() ([]byte, error) {
		r, ok := <-ch
		switch {
		case !ok:
			return nil, errClaimerLost
		case r.Taken:
			return nil, errClaimTaken
		case r.ClaimErr != "":
			return nil, fmt.Errorf("claim: %s", r.ClaimErr)
		case r.StartErr != "":
			return r.Output, fmt.Errorf("start: %s", r.StartErr)
		case r.Code != 0 || r.Signal != "":
			return r.Output, &handlerExit{code: r.Code, signal: r.Signal}
		}
		return r.Output, nil
	}, nil
}

// close ends the claimer once every started handler has been waited for:
// it sees the socket closed, and exits.
func (c *claimer) close() error {
	err := c.conn.Close()
	<-c.readerDone
	if c.cmd == nil {
		return err
	}
	if werr := c.cmd.Wait(); werr != nil {
		err = errors.Join(err, fmt.Errorf("claimer: %w", werr))
	}
	return err
}
