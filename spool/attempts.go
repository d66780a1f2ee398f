package spool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// Attempts is what is known of the failed runs of one exec packet's
// handler, kept in SPOOL/<node>/rx/ferry-attempts/<pkt> beside the packet:
// a file, so it survives restarts and a rebuilt index, and goes with the
// packet (Remove, SetAside). NNCP ignores the directory, as it does
// ferry-exec/ and seen/.
//
//	ferry-attempts/1
//	failures N
//	last RFC3339-TIME
//	status S          (absent: the handler could not be started)
//	reason TEXT       (one line, for the log and doctor)
type Attempts struct {
	Failures int
	Last     time.Time
	Status   *int
	Reason   string
}

const (
	attemptsMagic = "ferry-attempts/1"
	attemptsMax   = 1024
	attemptsDir   = "ferry-attempts"
)

func (s *Spool) attemptsPath(node, pkt packet.ID) string {
	return filepath.Join(s.queueDir(node, RX), attemptsDir, pkt.String())
}

// ErrBadAttempts is returned for an attempts file ferry did not write.
var ErrBadAttempts = errors.New("not an attempts record")

// ExecAttempts returns the failed runs recorded for packet pkt in node's
// rx; none recorded is the zero Attempts.
func (s *Spool) ExecAttempts(node, pkt packet.ID) (Attempts, error) {
	b, err := os.ReadFile(s.attemptsPath(node, pkt))
	if errors.Is(err, os.ErrNotExist) {
		return Attempts{}, nil
	}
	if err != nil {
		return Attempts{}, WrapPath("read attempts of", fmt.Sprintf("%s/rx/%s", node, pkt), err)
	}
	a, err := ParseAttempts(b)
	if err != nil {
		return Attempts{}, fmt.Errorf("attempts of %s/rx/%s: %w", node, pkt, err)
	}
	return a, nil
}

// RecordExecAttempts replaces the record of packet pkt's failed runs,
// atomically and (unless NoSync) durably.
func (s *Spool) RecordExecAttempts(node, pkt packet.ID, a Attempts) error {
	p := s.attemptsPath(node, pkt)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return WrapPath("record attempts of", fmt.Sprintf("%s/rx/%s", node, pkt), err)
	}
	tmp := p + ".tmp"
	f, err := fsio.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, s.fileMode())
	if err == nil {
		_, err = f.Write(a.Append(nil))
		if err == nil && !s.opt.NoSync {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = fsio.Rename(tmp, p)
	}
	if err == nil {
		err = s.syncDir(dir)
	}
	if err != nil {
		if uerr := fsio.Unlink(tmp); uerr != nil && !os.IsNotExist(uerr) {
			err = errors.Join(err, uerr)
		}
		return WrapPath("record attempts of", fmt.Sprintf("%s/rx/%s", node, pkt), err)
	}
	return nil
}

// dropAttempts removes the record when its packet leaves rx; none is
// fine.
func (s *Spool) dropAttempts(node, pkt packet.ID) error {
	if err := fsio.Unlink(s.attemptsPath(node, pkt)); err != nil && !os.IsNotExist(err) {
		return WrapPath("drop attempts of", fmt.Sprintf("%s/rx/%s", node, pkt), err)
	}
	return nil
}

// Append encodes a as the file holds it.
func (a Attempts) Append(b []byte) []byte {
	w := bytes.NewBuffer(b)
	fmt.Fprintf(w, "%s\nfailures %d\nlast %s\n", attemptsMagic, a.Failures, a.Last.UTC().Format(time.RFC3339Nano))
	if a.Status != nil {
		fmt.Fprintf(w, "status %d\n", *a.Status)
	}
	if r := attemptsLine(a.Reason); r != "" {
		fmt.Fprintf(w, "reason %s\n", r)
	}
	return w.Bytes()
}

// attemptsLine makes a reason one line that fits the file.
func attemptsLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > attemptsMax/2 {
		s = strings.ToValidUTF8(s[:attemptsMax/2], "")
	}
	return strings.TrimSpace(s)
}

// ParseAttempts reads an attempts file; only what Append writes is
// accepted.
func ParseAttempts(b []byte) (Attempts, error) {
	if len(b) == 0 || len(b) > attemptsMax || b[len(b)-1] != '\n' {
		return Attempts{}, ErrBadAttempts
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines) < 3 || lines[0] != attemptsMagic {
		return Attempts{}, ErrBadAttempts
	}
	var a Attempts
	k, v, _ := strings.Cut(lines[1], " ")
	n, err := strconv.Atoi(v)
	if k != "failures" || err != nil || n < 1 || strconv.Itoa(n) != v {
		return Attempts{}, ErrBadAttempts
	}
	a.Failures = n
	k, v, _ = strings.Cut(lines[2], " ")
	if a.Last, err = time.Parse(time.RFC3339Nano, v); k != "last" || err != nil || a.Last.UTC().Format(time.RFC3339Nano) != v {
		return Attempts{}, ErrBadAttempts
	}
	rest := lines[3:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "status ") {
		v := strings.TrimPrefix(rest[0], "status ")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != v {
			return Attempts{}, ErrBadAttempts
		}
		a.Status, rest = &n, rest[1:]
	}
	if len(rest) > 0 && strings.HasPrefix(rest[0], "reason ") {
		a.Reason, rest = strings.TrimPrefix(rest[0], "reason "), rest[1:]
		if a.Reason == "" || attemptsLine(a.Reason) != a.Reason {
			return Attempts{}, ErrBadAttempts
		}
	}
	if len(rest) > 0 {
		return Attempts{}, ErrBadAttempts
	}
	return a, nil
}

// FailingExec is an rx packet whose handler failed before.
type FailingExec struct {
	ID packet.ID
	Attempts
	Err error // the record could not be read
}

// FailingExecs lists the attempts records of node's rx that still have
// their packet, for doctor.
func (s *Spool) FailingExecs(node packet.ID) ([]FailingExec, error) {
	dir := filepath.Join(s.queueDir(node, RX), attemptsDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, WrapPath("list attempts in", fmt.Sprintf("%s/rx", node), err)
	}
	var out []FailingExec
	for _, e := range ents {
		id, err := packet.ParseID(e.Name())
		if err != nil || !s.Has(node, RX, id) {
			continue // a .tmp of a killed writer, or the packet is gone
		}
		a, err := s.ExecAttempts(node, id)
		out = append(out, FailingExec{ID: id, Attempts: a, Err: err})
	}
	return out, nil
}
