package spool

import (
	"os"
	"path/filepath"

	"github.com/ferry-dtn/ferry/packet"
)

// CreateTemp creates a scratch file in SPOOL/tmp, as os.CreateTemp does
// with pattern: where toss decrypts an exec's input or an area message
// before using it. The caller closes and removes it; one left behind by a
// killed process goes with Clean(TmpFiles).
func (s *Spool) CreateTemp(pattern string) (*os.File, error) {
	return os.CreateTemp(s.tmpDir(), pattern)
}

// ExecMarker is the claim on the handler of one exec packet,
// SPOOL/<node>/rx/ferry-exec/<pkt>: while it exists the command counts as
// started, so a toss interrupted and run again neither loses it nor runs
// it twice.
type ExecMarker struct {
	path   string
	noSync bool
}

// ExecMarker names the claim on the handler of packet pkt in node's rx.
func (s *Spool) ExecMarker(node, pkt packet.ID) *ExecMarker {
	return &ExecMarker{path: filepath.Join(s.queueDir(node, RX), "ferry-exec", pkt.String()), noSync: s.opt.NoSync}
}

// Exists reports whether the handler was claimed.
func (m *ExecMarker) Exists() bool {
	_, err := os.Stat(m.path)
	return err == nil
}

// Path is the marker's path, for the process that claims it by creating
// it right before it becomes the handler.
func (m *ExecMarker) Path() string { return m.path }

// SyncGroup says which markers one Sync makes durable together: those
// with equal groups share the directory Sync flushes (toss batches them
// so). It is a value to compare, not a path to use.
type SyncGroup struct{ dir string }

// Group is the marker's SyncGroup.
func (m *ExecMarker) Group() SyncGroup { return SyncGroup{filepath.Dir(m.path)} }

// Template is a file beside the markers, rx/ferry-exec/.claim, that a
// claim can be a hard link to (see Prepare); it is not a marker.
func (m *ExecMarker) Template() string { return filepath.Join(filepath.Dir(m.path), claimTemplate) }

// claimTemplate is the name of the Template: not a packet id, so never
// taken for a marker, an orphan or a packet.
const claimTemplate = ".claim"

// Prepare makes the directory the marker is created in, and the Template
// in it. A claim made as a link to the Template (link(2) fails when the
// name exists, as O_EXCL does) allocates no inode, and removing it frees
// none: on ext4 each inode allocation gets slower with every inode freed
// in the last minute, and a claim per packet was one of each.
func (m *ExecMarker) Prepare() error {
	tmpl := m.Template()
	if _, err := os.Stat(tmpl); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(m.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(tmpl, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// Touch claims the handler here, durably.
func (m *ExecMarker) Touch() error {
	f, err := os.OpenFile(m.path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return m.Sync()
}

// Sync makes a claim made by another process durable (unless NoSync).
func (m *ExecMarker) Sync() error {
	if m.noSync {
		return nil
	}
	d, err := os.Open(filepath.Dir(m.path))
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // opened to sync: the sync's error is the one that counts
	return d.Sync()
}

// Remove drops the claim: the command may run again (it failed), or the
// packet it came in is gone.
func (m *ExecMarker) Remove() error { return os.Remove(m.path) }
