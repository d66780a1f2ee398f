package toss

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The claimer starts exec handlers for a toss run, in place of one
// `/bin/sh` per handler (see claimScript). It is the ferry binary started
// once per run under the name ClaimerName, and serves requests on a
// SOCK_SEQPACKET socket:
//
//	toss --{id, marker, template, argv, env} + stdin, toss lock fds--> claimer
//	     claimer: link marker to template (or create it O_EXCL),
//	              start handler, read its output, wait for it
//	toss <--{id, taken | claim error | start error | exit status, output}-- claimer
//
// Exactly-once rests on the same two facts as with the shell: the claim is
// made by a process that outlives a kill of toss, and only that process
// starts the handler, right after the claim. A request is one message, so
// it is either in the socket whole or not at all; once toss is gone the
// claimer still reads every request already sent, claims and runs it, and
// exits when its handlers have ended. Measured here, the shell costs
// about 1.5 ms of CPU per command, a quarter of what toss spends on a
// small exec packet; one claimer costs one process start per run.
//
// The handler's output goes to a pipe the claimer reads, not to a file
// of the spool: creating and removing two scratch files per packet was
// the largest single cost of a toss of small exec packets on ext4, whose
// inode allocator slows down with every inode freed shortly before. The
// claimer keeps the first maxExecOutput bytes for the reply and drains the
// rest, so a handler never blocks on its output nor dies of SIGPIPE while
// the claimer lives, which is as long as any handler of the run, even
// once toss was killed. (A process the handler left behind that still
// writes to it once the claimer is gone gets EPIPE.)

// ClaimerName is argv[0] under which the ferry binary serves claims
// (ServeClaims on descriptor 3) instead of running a command.
const ClaimerName = "ferry-claimer"

// claimMax bounds a request: argv from the config and the packet's path
// (at most 255 bytes in NNCP), an environment of three variables.
const claimMax = 1 << 20

type claimRequest struct {
	ID     uint64 `json:"id"`
	Marker string `json:"marker"`
	// Template, when set, is an empty file in the marker's directory the
	// claim is made as a hard link to (spool.ExecMarker.Template).
	Template string   `json:"template,omitempty"`
	Argv     []string `json:"argv"`
	Env      []string `json:"env"`
}

type claimReply struct {
	ID       uint64 `json:"id"`
	Taken    bool   `json:"taken,omitempty"`     // the marker existed: started before
	ClaimErr string `json:"claim_err,omitempty"` // the marker could not be made
	StartErr string `json:"start_err,omitempty"` // claimed, but the handler did not start
	Code     int    `json:"code"`                // exit status, -1 when killed by a signal
	Signal   string `json:"signal,omitempty"`
	Output   []byte `json:"output,omitempty"` // stdout and stderr, up to maxExecOutput
}

// outputGrace is how long the reply waits, once the handler ended, for
// the end of its output: a process it left behind may hold the pipe open.
const outputGrace = time.Second

// ServeClaims serves a toss run's claims on conn until toss closes its
// end, then waits for the handlers it started. Nothing is printed: every
// outcome goes back to toss in a reply.
func ServeClaims(conn *net.UnixConn) error {
	var handlers, drains sync.WaitGroup
	var draining sync.Map // *handler whose output has not ended
	defer func() {
		handlers.Wait()
		draining.Range(func(h, _ any) bool {
			_ = h.(*handler).out.Close() // held by what a handler left behind: nobody reads it any more
			return true
		})
		drains.Wait()
	}()
	buf := make([]byte, claimMax)
	oob := make([]byte, unix.CmsgSpace(2*4))
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claimer: read request: %w", err)
		}
		if n == 0 && oobn == 0 {
			return nil // toss closed its end
		}
		stdin, lock, err := requestFiles(oob[:oobn])
		if err != nil {
			return fmt.Errorf("claimer: %w", err)
		}
		var req claimRequest
		if err := json.Unmarshal(buf[:n], &req); err != nil || len(req.Argv) == 0 {
			_, _ = stdin.Close(), lock.Close()
			return fmt.Errorf("claimer: bad request %q: %v", buf[:min(n, 80)], err)
		}
		h, reply := claimAndStart(req, stdin)
		if h == nil {
			sendReply(conn, reply)
			_ = lock.Close() // a lock: nothing written
			continue
		}
		draining.Store(h, nil)
		drains.Go(func() {
			h.drain()
			draining.Delete(h)
		})
		handlers.Go(func() {
			defer func() { _ = lock.Close() }() // a lock: nothing written
			reply := exitReply(reply, h.cmd.Wait())
			reply.Output = h.output(outputGrace)
			sendReply(conn, reply)
		})
	}
}

// handler is a started handler and the read end of its output pipe.
type handler struct {
	cmd *exec.Cmd
	out *os.File
	eof chan struct{} // closed once drain returned

	mu   sync.Mutex
	kept []byte // the output's first maxExecOutput bytes
}

// drain reads the handler's output to its end (or until out is closed),
// keeping the start of it.
func (h *handler) drain() {
	defer close(h.eof)
	defer func() { _ = h.out.Close() }() // a pipe's read end
	b := make([]byte, 4<<10)
	for {
		n, err := h.out.Read(b)
		h.mu.Lock()
		h.kept = append(h.kept, b[:min(n, maxExecOutput-len(h.kept))]...)
		h.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// output is what was kept of the output once it ended, or grace passed.
func (h *handler) output(grace time.Duration) []byte {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-h.eof:
	case <-t.C:
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return bytes.Clone(h.kept)
}

// claimAndStart claims req's marker and starts its handler; with a nil
// handler, the reply says why not. stdin is the handler's now.
func claimAndStart(req claimRequest, stdin *os.File) (*handler, claimReply) {
	defer func() { _ = stdin.Close() }() // the handler has its own
	reply := claimReply{ID: req.ID}
	if err := claim(req.Marker, req.Template); err != nil {
		if errors.Is(err, fs.ErrExist) {
			reply.Taken = true
		} else {
			reply.ClaimErr = err.Error()
		}
		return nil, reply
	}
	r, w, err := os.Pipe()
	if err != nil {
		reply.StartErr = fmt.Sprintf("output pipe: %v", err)
		return nil, reply
	}
	defer func() { _ = w.Close() }() // the handler has its own
	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = req.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, w, w
	if err := cmd.Start(); err != nil {
		_ = r.Close()
		reply.StartErr = err.Error()
		return nil, reply
	}
	return &handler{cmd: cmd, out: r, eof: make(chan struct{})}, reply
}

// claim creates marker, failing with fs.ErrExist when it exists: as a
// hard link to template (no inode to allocate), or where that cannot be
// (no template, its link count at the file system's limit, no hard links
// there) as a new empty file.
func claim(marker, template string) error {
	if template != "" {
		err := os.Link(template, marker)
		if err == nil || errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	m, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return m.Close()
}

func exitReply(reply claimReply, err error) claimReply {
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		reply.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			reply.Signal = ws.Signal().String()
		}
	default:
		reply.Code, reply.StartErr = -1, err.Error()
	}
	return reply
}

// sendReply answers toss; once toss is gone there is no one to tell. A
// reply too long for the socket goes again with less of the output.
func sendReply(conn *net.UnixConn, r claimReply) {
	for {
		b, err := json.Marshal(r)
		if err != nil {
			return
		}
		_, _, err = conn.WriteMsgUnix(b, nil, nil)
		if !errors.Is(err, unix.EMSGSIZE) || len(r.Output) == 0 {
			return
		}
		r.Output = r.Output[:len(r.Output)/2]
	}
}

func requestFiles(oob []byte) (stdin, lock *os.File, err error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, nil, fmt.Errorf("request without its descriptors: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 2 {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
		return nil, nil, fmt.Errorf("request with %d descriptors, want 2: %v", len(fds), err)
	}
	return os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "toss lock"), nil
}
