package packet

import "io"

// ProgressReport says how far one long job (a file being queued, a packet
// tossed or copied, a file reassembled or hashed) has got.
type ProgressReport struct {
	Name  string // what is being worked on, for people
	Done  int64  // bytes so far
	Total int64  // bytes in all; negative when not known (a stream)
	Final bool   // the job is finished: the last report for it
}

// Progress receives reports from the goroutine doing the work, which
// holds no lock while it calls: the callee may block on a terminal.
// Drawing (and deciding how often to redraw) is the caller's business;
// the libraries only count and never print.
type Progress func(ProgressReport)

// ProgressStep is how many bytes pass between two reports of a
// ProgressMeter: a report per 4 KiB read would cost more than the
// hashing and encryption it measures, and no display needs it.
const ProgressStep = 1 << 20

// ProgressMeter counts the bytes of one job and reports them: once when
// it starts (Done 0), after every ProgressStep bytes, and once at Finish.
// A nil meter (NewProgressMeter with a nil Progress) does nothing, so
// code paths without a display pay for one nil check. A meter belongs to
// one goroutine at a time.
type ProgressMeter struct {
	p        Progress
	r        ProgressReport
	reported int64 // Done at the last report
	finished bool
}

// NewProgressMeter starts a job's count and reports its start; with a
// nil p it returns nil.
func NewProgressMeter(p Progress, name string, total int64) *ProgressMeter {
	if p == nil {
		return nil
	}
	m := &ProgressMeter{p: p, r: ProgressReport{Name: name, Total: total}}
	p(m.r)
	return m
}

// Add counts n more bytes.
func (m *ProgressMeter) Add(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.r.Done += int64(n)
	if m.r.Done-m.reported >= ProgressStep {
		m.reported = m.r.Done
		m.p(m.r)
	}
}

// Finish reports the job done, once; a job that failed is not finished
// (the display drops its bar when the next job starts or the command ends).
func (m *ProgressMeter) Finish() {
	if m == nil || m.finished {
		return
	}
	m.finished = true
	m.r.Final = true
	m.reported = m.r.Done
	m.p(m.r)
}

// Reader counts what is read from r (r itself when m is nil).
func (m *ProgressMeter) Reader(r io.Reader) io.Reader {
	if m == nil {
		return r
	}
	return &meteredReader{r, m}
}

// Writer counts what is written to w (w itself when m is nil).
func (m *ProgressMeter) Writer(w io.Writer) io.Writer {
	if m == nil {
		return w
	}
	return &meteredWriter{w, m}
}

type meteredReader struct {
	r io.Reader
	m *ProgressMeter
}

func (r *meteredReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.m.Add(n)
	return n, err
}

type meteredWriter struct {
	w io.Writer
	m *ProgressMeter
}

func (w *meteredWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.m.Add(n)
	return n, err
}
