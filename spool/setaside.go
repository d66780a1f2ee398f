package spool

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// badDir is where SetAside keeps what a queue can never process:
// SPOOL/<node>/<xx>/bad/.
func (s *Spool) badDir(node packet.ID, xx XX) string {
	return filepath.Join(s.queueDir(node, xx), "bad")
}

// SetAside moves a file of a queue that can never be processed (a forged
// or damaged packet, or a file that only has a packet's name) to the
// queue's bad/ directory, where listings no longer see it and an operator
// can inspect it, and drops its header copy. It returns the new path.
func (s *Spool) SetAside(node packet.ID, xx XX, id packet.ID) (string, error) {
	dir := s.badDir(node, xx)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("set aside %s/%s/%s: %w", node, xx, id, err)
	}
	to := filepath.Join(dir, id.String())
	if err := fsio.Rename(s.packetPath(node, xx, id), to); err != nil {
		return "", fmt.Errorf("set aside %s/%s/%s: %w", node, xx, id, err)
	}
	s.touched(node, xx)
	if err := fsio.Unlink(s.hdrPath(node, xx, id)); err != nil && !os.IsNotExist(err) {
		return to, fmt.Errorf("set aside %s/%s/%s: header copy: %w", node, xx, id, err)
	}
	if xx == RX {
		// The log line and the receipt said why.
		if err := s.dropAttempts(node, id); err != nil {
			return to, err
		}
	}
	if err := s.syncDir(s.queueDir(node, xx)); err != nil {
		return to, fmt.Errorf("set aside %s/%s/%s: %w", node, xx, id, err)
	}
	return to, nil
}
