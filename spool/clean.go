package spool

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Kinds is a set of the kinds of files Clean removes.
type Kinds uint16

const (
	TmpFiles    Kinds = 1 << iota // SPOOL/tmp/*: files of writers that died
	LockFiles                     // <node>/*.lock
	PartFiles                     // <node>/rx/*.part: unfinished downloads
	NockFiles                     // <node>/rx/*.nock: downloads never checked
	SeenMarkers                   // <node>/rx/seen/*
	HdrCopies                     // <node>/{rx,tx}/hdr/*
	AreaMarkers                   // <node>/area/*/*
	RxPackets                     // <node>/rx/<PKT>, with its header copy
	TxPackets                     // <node>/tx/<PKT>, with its header copy
)

// CleanOptions shape a Clean.
type CleanOptions struct {
	// Older keeps files modified less than this long ago (0: any age).
	Older time.Duration
	// DryRun removes nothing: Found still hears of each file.
	DryRun bool
	// Found is told the path of each file removed, or that a dry run
	// would remove (nil: nobody).
	Found func(path string)
	// Reason is why tx packets go, for the tracking records of our own
	// messages among them (TrackRemoved); "": "removed locally".
	Reason string
}

// Clean removes files of the given kinds: SPOOL/tmp's once, then each
// node's in the order of Kinds. It returns how many it removed (on a dry
// run: would remove) and goes on past a file it cannot remove, returning
// those errors joined.
func (s *Spool) Clean(nodes []packet.ID, kinds Kinds, opt CleanOptions) (int, error) {
	c := cleaner{s: s, opt: opt}
	if kinds&TmpFiles != 0 {
		c.glob(filepath.Join(s.tmpDir(), "*"))
	}
	for _, node := range nodes {
		nd := s.nodeDir(node)
		for _, g := range []struct {
			kind    Kinds
			pattern []string
		}{
			{LockFiles, []string{"*.lock"}},
			{PartFiles, []string{"rx", "*.part"}},
			{NockFiles, []string{"rx", "*.nock"}},
			{SeenMarkers, []string{"rx", "seen", "*"}},
			{HdrCopies, []string{"rx", "hdr", "*"}},
			{HdrCopies, []string{"tx", "hdr", "*"}},
			{AreaMarkers, []string{"area", "*", "*"}},
		} {
			if kinds&g.kind != 0 {
				c.glob(filepath.Join(append([]string{nd}, g.pattern...)...))
			}
		}
		for _, q := range []struct {
			kind Kinds
			xx   XX
		}{{RxPackets, RX}, {TxPackets, TX}} {
			if kinds&q.kind == 0 {
				continue
			}
			c.queue(node, q.xx)
		}
	}
	return c.n, errors.Join(c.errs...)
}

// CleanPacket removes the packet id from node's xx queue, with its header
// copy, as Clean does: it counts 1 when removed (or would be, on a dry
// run) and 0 when there is no such packet or it is too young.
func (s *Spool) CleanPacket(node packet.ID, xx XX, id packet.ID, opt CleanOptions) (int, error) {
	c := cleaner{s: s, opt: opt}
	if xx == TX && c.due(s.packetPath(node, TX, id)) {
		if err := c.untrack(node, []packet.ID{id}); err != nil {
			c.errs = append(c.errs, err)
		}
	}
	c.packet(node, xx, id)
	return c.n, errors.Join(c.errs...)
}

type cleaner struct {
	s    *Spool
	opt  CleanOptions
	n    int
	errs []error
}

// untrack tells the tracking records of our messages among the tx
// packets about to go (ids, of node's queue) that they can no longer
// leave, in one transaction, before they are removed (see TrackRemoved).
func (c *cleaner) untrack(node packet.ID, ids []packet.ID) error {
	if c.opt.DryRun {
		return nil
	}
	reason := c.opt.Reason
	if reason == "" {
		reason = "removed locally"
	}
	_, err := c.s.TrackRemoved(node, ids, reason, time.Now())
	return err
}

// due reports whether the file at p is there and old enough to remove.
func (c *cleaner) due(p string) bool {
	info, err := os.Lstat(p)
	return err == nil && (c.opt.Older <= 0 || time.Since(info.ModTime()) >= c.opt.Older)
}

func (c *cleaner) found(p string) {
	c.n++
	if c.opt.Found != nil {
		c.opt.Found(p)
	}
}

func (c *cleaner) glob(pattern string) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		c.errs = append(c.errs, err)
	}
	for _, p := range m {
		if !c.due(p) {
			continue
		}
		if !c.opt.DryRun {
			if err := os.RemoveAll(p); err != nil {
				c.errs = append(c.errs, err)
				continue
			}
		}
		c.found(p)
	}
}

func (c *cleaner) packet(node packet.ID, xx XX, id packet.ID) {
	p := c.s.packetPath(node, xx, id)
	if !c.due(p) {
		return
	}
	if !c.opt.DryRun {
		if err := c.s.Remove(node, xx, id); err != nil {
			c.errs = append(c.errs, err)
			return
		}
	}
	c.found(p)
}
