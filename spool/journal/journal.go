// Package journal writes and reads the spool log in NNCP's recfile form:
// records of "Name: value" lines separated by blank lines, When first,
// Msg last, multi-line values continued with "+ " lines.
package journal

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Handler is an slog.Handler appending records to the log file under a
// blocking flock on LOG.lock, so ferry and NNCP processes interleave whole
// records.
type Handler struct {
	path  string
	fd    int // >= 0: write to this descriptor (FD:n)
	mu    *sync.Mutex
	out   *appender // shared by the handler's WithAttrs clones
	attrs []slog.Attr
	echo  func(slog.Record) // optional: also show the event (stderr)
	level slog.Level
	held  *held // records kept for one write (Hold), shared by the clones
}

// held is what a Handler keeps back under Hold: whole records, in order,
// written together in one locked append.
type held struct {
	max   int // records per write; 0: none held
	n     int
	first time.Time // of the oldest record held
	recs  []byte
}

// holdAtMost bounds how long a record stays held, by the records' own
// times: a command killed with SIGKILL (which no Flush survives) loses at
// most this much of its log, not a whole batch of a slow run.
const holdAtMost = time.Second

// Options are how a Handler writes.
type Options struct {
	Echo  func(slog.Record) // nil: none; else also shows each event (stderr)
	Debug bool              // debug events are logged too
	// ReopenCheck is how often a long-lived handler looks whether the log
	// was rotated (renamed or removed) under it, so a daemon follows
	// logrotate without a stat per record. 0: every second; negative:
	// before every record.
	ReopenCheck time.Duration
}

// Open returns a handler for target: a path, or "FD:n".
func Open(target string, opt Options) (*Handler, error) {
	every := opt.ReopenCheck
	if every == 0 {
		every = time.Second
	}
	h := &Handler{path: target, fd: -1, mu: &sync.Mutex{}, out: &appender{path: target, reopenCheck: every}, echo: opt.Echo, level: slog.LevelInfo, held: &held{}}
	if opt.Debug {
		h.level = slog.LevelDebug
	}
	if n, ok := strings.CutPrefix(target, "FD:"); ok {
		fd, err := strconv.Atoi(n)
		if err != nil || fd < 0 {
			return nil, fmt.Errorf("log %q: bad descriptor", target)
		}
		h.fd = fd
	}
	return h, nil
}

func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *Handler) WithGroup(string) slog.Handler { return h }

// Unechoed returns a clone of h that writes to the log only, for an event
// whose command reports it itself (as its error): shown once, logged too.
func (h *Handler) Unechoed() *Handler {
	c := *h
	c.echo = nil
	return &c
}

// field names as NNCP writes them.
var fieldNames = map[string]string{
	"who": "Who", "node": "Node", "pkt": "Pkt", "nice": "Nice", "size": "Size",
	"fullsize": "FullSize", "type": "Type", "xx": "XX", "src": "Src", "dst": "Dst",
	"area": "Area", "areamsg": "AreaMsg", "addr": "Addr", "duration": "Duration",
	"rxbytes": "RxBytes", "txbytes": "TxBytes", "rxspeed": "RxSpeed", "txspeed": "TxSpeed",
	"handle": "Handle", "path": "Path",
}

func fieldName(k string) string {
	if n, ok := fieldNames[strings.ToLower(k)]; ok {
		return n
	}
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// Format renders one record. The blank line that separates records
// comes first, as NNCP writes it: a log NNCP wrote ends its last record
// with no blank line, and one that follows it must not run into it.
func Format(r slog.Record, attrs []slog.Attr) string {
	var b strings.Builder
	b.WriteByte('\n')
	field := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(strings.ReplaceAll(v, "\n", "\n+ "))
		b.WriteByte('\n')
	}
	field("When", r.Time.UTC().Format(time.RFC3339Nano))
	var errs, rest []slog.Attr
	collect := func(a slog.Attr) bool {
		if a.Key == "err" {
			errs = append(errs, a)
		} else {
			rest = append(rest, a)
		}
		return true
	}
	for _, a := range attrs {
		collect(a)
	}
	r.Attrs(collect)
	for _, a := range errs {
		field("Err", a.Value.String())
	}
	for _, a := range rest {
		if a.Key == "who" {
			field("Who", a.Value.String())
		}
	}
	for _, a := range rest {
		if a.Key != "who" {
			field(fieldName(a.Key), a.Value.String())
		}
	}
	field("Msg", r.Message)
	return b.String()
}

func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	if h.echo != nil {
		rr := r.Clone()
		rr.AddAttrs(h.attrs...)
		h.echo(rr)
	}
	if r.Level < slog.LevelInfo { // debug goes to stderr only, like NNCP
		return nil
	}
	rec := Format(r, h.attrs)
	h.mu.Lock()
	defer h.mu.Unlock()
	if hd := h.held; hd.max > 0 {
		if hd.n == 0 {
			hd.first = r.Time
		}
		hd.recs = append(hd.recs, rec...)
		if hd.n++; hd.n < hd.max && r.Level < slog.LevelError && r.Time.Sub(hd.first) < holdAtMost {
			return nil
		}
		return h.flushLocked()
	}
	return h.write(rec)
}

// Hold makes the handler keep up to n records and write them in one
// locked append (n <= 1: each as it comes, the default): a command that
// logs one event per file of a million (ferry rm) otherwise pays a lock,
// a write and an unlock per record. The records and their order are the
// same; an error record is written at once, with those held before it,
// and so is one that comes holdAtMost after the oldest held.
// The caller must Flush before it exits: until then, the records held
// are in no file.
func (h *Handler) Hold(n int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.flushLocked()
	h.held.max = 0
	if n > 1 {
		h.held.max = n
	}
	return err
}

// Flush writes the records held, if any.
func (h *Handler) Flush() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.flushLocked()
}

func (h *Handler) flushLocked() error {
	hd := h.held
	if hd.n == 0 {
		return nil
	}
	rec := string(hd.recs)
	hd.recs, hd.n = hd.recs[:0], 0
	return h.write(rec)
}

// write appends whole records; h.mu is held.
func (h *Handler) write(rec string) error {
	if h.fd >= 0 {
		_, err := syscall.Write(h.fd, []byte(rec))
		return err
	}
	return h.out.append(rec)
}
