package packet

import (
	"bytes"
	"io"
	"testing"
)

// A meter reports the start, one report per ProgressStep bytes however
// the bytes are split into reads or writes, and the end once.
func TestProgressMeter(t *testing.T) {
	const step = ProgressStep
	for _, c := range []struct {
		name   string
		size   int
		chunk  int // bytes per Read/Write
		write  bool
		finish int // Finish calls
		want   []int64
	}{
		{"empty", 0, 1, false, 1, []int64{0, 0}},
		{"small, no step", 4096, 4096, false, 1, []int64{0, 4096}},
		{"two steps in 4 KiB reads", 2*step + 10, 4096, false, 1, []int64{0, step, 2 * step, 2*step + 10}},
		{"one big write", 3 * step, 3 * step, true, 1, []int64{0, 3 * step, 3 * step}},
		{"odd reads, finished twice", step + 1, 999, false, 2, []int64{0, step + 1, step + 1}},
		{"not finished", step, 4096, true, 0, []int64{0, step}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []ProgressReport
			m := NewProgressMeter(func(r ProgressReport) { got = append(got, r) }, "x", int64(c.size))
			src := bytes.Repeat([]byte{7}, c.size)
			var dst bytes.Buffer
			if c.write {
				w := m.Writer(&dst)
				for off := 0; off < len(src); off += c.chunk {
					if _, err := w.Write(src[off:min(off+c.chunk, len(src))]); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				// Both hidden: neither ReadFrom nor WriteTo may pick the read size.
				if _, err := io.CopyBuffer(struct{ io.Writer }{&dst}, struct{ io.Reader }{m.Reader(bytes.NewReader(src))}, make([]byte, c.chunk)); err != nil {
					t.Fatal(err)
				}
			}
			for range c.finish {
				m.Finish()
			}
			if dst.Len() != c.size {
				t.Fatalf("%d bytes passed, want %d", dst.Len(), c.size)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d reports %v, want done %v", len(got), got, c.want)
			}
			for i, r := range got {
				final := c.finish > 0 && i == len(got)-1
				if r.Done != c.want[i] || r.Total != int64(c.size) || r.Name != "x" || r.Final != final {
					t.Errorf("report %d: %+v, want done %d, final %v", i, r, c.want[i], final)
				}
			}
		})
	}
}

// Without a Progress there is no meter, and its wrappers are the
// wrapped values themselves: no cost where nothing is shown.
func TestProgressMeterNil(t *testing.T) {
	m := NewProgressMeter(nil, "x", 10)
	if m != nil {
		t.Fatal("a meter without a Progress")
	}
	var b bytes.Buffer
	if m.Reader(&b) != io.Reader(&b) || m.Writer(&b) != io.Writer(&b) {
		t.Error("a nil meter wrapped its reader or writer")
	}
	m.Add(5)
	m.Finish()
}
