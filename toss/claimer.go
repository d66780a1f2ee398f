package toss

import (
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

	"golang.org/x/sys/unix"
)

// The claimer starts exec handlers for a toss run, in place of one
// `/bin/sh` per handler (see claimScript). It is the ferry binary started
// once per run under the name ClaimerName, and serves requests on a
// SOCK_SEQPACKET socket:
//
//	toss --{id, marker, argv, env} + stdin, output, toss lock fds--> claimer
//	     claimer: create marker O_EXCL, start handler, wait for it
//	toss <--{id, taken | claim error | start error | exit status}-- claimer
//
// Exactly-once rests on the same two facts as with the shell: the claim is
// made by a process that outlives a kill of toss, and only that process
// starts the handler, right after the claim. A request is one message, so
// it is either in the socket whole or not at all; once toss is gone the
// claimer still reads every request already sent, claims and runs it, and
// exits when its handlers have ended. Measured here, the shell costs
// about 1.5 ms of CPU per command, a quarter of what toss spends on a
// small exec packet; one claimer costs one process start per run.

// ClaimerName is argv[0] under which the ferry binary serves claims
// (ServeClaims on descriptor 3) instead of running a command.
const ClaimerName = "ferry-claimer"

// claimMax bounds a request: argv from the config and the packet's path
// (at most 255 bytes in NNCP), an environment of three variables.
const claimMax = 1 << 20

type claimRequest struct {
	ID     uint64   `json:"id"`
	Marker string   `json:"marker"`
	Argv   []string `json:"argv"`
	Env    []string `json:"env"`
}

type claimReply struct {
	ID       uint64 `json:"id"`
	Taken    bool   `json:"taken,omitempty"`     // the marker existed: started before
	ClaimErr string `json:"claim_err,omitempty"` // the marker could not be made
	StartErr string `json:"start_err,omitempty"` // claimed, but the handler did not start
	Code     int    `json:"code"`                // exit status, -1 when killed by a signal
	Signal   string `json:"signal,omitempty"`
}

// ServeClaims serves a toss run's claims on conn until toss closes its
// end, then waits for the handlers it started. Nothing is printed: every
// outcome goes back to toss in a reply.
func ServeClaims(conn *net.UnixConn) error {
	var handlers sync.WaitGroup
	defer handlers.Wait()
	buf := make([]byte, claimMax)
	oob := make([]byte, unix.CmsgSpace(3*4))
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
		stdin, out, lock, err := requestFiles(oob[:oobn])
		if err != nil {
			return fmt.Errorf("claimer: %w", err)
		}
		var req claimRequest
		if err := json.Unmarshal(buf[:n], &req); err != nil || len(req.Argv) == 0 {
			_, _, _ = stdin.Close(), out.Close(), lock.Close()
			return fmt.Errorf("claimer: bad request %q: %v", buf[:min(n, 80)], err)
		}
		if cmd, reply := claimAndStart(req, stdin, out); cmd == nil {
			sendReply(conn, reply)
			_ = lock.Close() // a lock: nothing written
		} else {
			handlers.Go(func() {
				defer func() { _ = lock.Close() }() // a lock: nothing written
				sendReply(conn, exitReply(reply, cmd.Wait()))
			})
		}
	}
}

// claimAndStart claims req's marker and starts its handler; with a nil
// command, the reply says why not. The files are the handler's now.
func claimAndStart(req claimRequest, stdin, out *os.File) (*exec.Cmd, claimReply) {
	defer func() { _, _ = stdin.Close(), out.Close() }() // the handler has its own
	reply := claimReply{ID: req.ID}
	m, err := os.OpenFile(req.Marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			reply.Taken = true
		} else {
			reply.ClaimErr = err.Error()
		}
		return nil, reply
	}
	if err := m.Close(); err != nil {
		reply.ClaimErr = err.Error()
		return nil, reply
	}
	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = req.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, out
	if err := cmd.Start(); err != nil {
		reply.StartErr = err.Error()
		return nil, reply
	}
	return cmd, reply
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

// sendReply answers toss; once toss is gone there is no one to tell.
func sendReply(conn *net.UnixConn, r claimReply) {
	b, err := json.Marshal(r)
	if err == nil {
		_, _, _ = conn.WriteMsgUnix(b, nil, nil)
	}
}

func requestFiles(oob []byte) (stdin, out, lock *os.File, err error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, nil, nil, fmt.Errorf("request without its descriptors: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 3 {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
		return nil, nil, nil, fmt.Errorf("request with %d descriptors, want 3: %v", len(fds), err)
	}
	return os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "output"), os.NewFile(uintptr(fds[2]), "toss lock"), nil
}
