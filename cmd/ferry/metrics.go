package main

import (
	"bufio"
	"io"
	"sort"
	"strconv"
	"strings"
)

// The Prometheus text exposition format (version 0.0.4), written by hand:
// ferry exports a few dozen gauges and counters, and the client library
// would bring its registry, protobuf and process collectors for them.
// What the format asks, and promtool checks: one HELP and one TYPE line
// per family before its samples, all samples of a family together, no
// sample twice, label values with \, " and newlines escaped, HELP text
// with \ and newlines escaped.

// metricSet gathers families in the order first added.
type metricSet struct {
	fams   []*metricFam
	byName map[string]*metricFam
}

type metricFam struct {
	name, typ, help string
	samples         []metricSample
}

type metricSample struct {
	labels []string // name, value, name, value...
	value  float64
}

const (
	gauge   = "gauge"
	counter = "counter"
)

// add records one sample of family name, declared with typ and help the
// first time; labels are name, value pairs.
func (s *metricSet) add(name, typ, help string, value float64, labels ...string) {
	if s.byName == nil {
		s.byName = map[string]*metricFam{}
	}
	f := s.byName[name]
	if f == nil {
		f = &metricFam{name: name, typ: typ, help: help}
		s.byName[name] = f
		s.fams = append(s.fams, f)
	}
	f.samples = append(f.samples, metricSample{labels, value})
}

// declare makes a family appear (HELP and TYPE) even with no samples,
// so a dashboard finds the name before the first event.
func (s *metricSet) declare(name, typ, help string) {
	s.add(name, typ, help, 0)
	f := s.byName[name]
	f.samples = f.samples[:len(f.samples)-1]
}

// write prints the set, each family's samples sorted by their labels.
func (s *metricSet) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, f := range s.fams {
		bw.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
		bw.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
		sort.SliceStable(f.samples, func(i, k int) bool {
			return strings.Join(f.samples[i].labels, "\x00") < strings.Join(f.samples[k].labels, "\x00")
		})
		for _, m := range f.samples {
			bw.WriteString(f.name)
			if len(m.labels) > 0 {
				bw.WriteByte('{')
				for i := 0; i+1 < len(m.labels); i += 2 {
					if i > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(m.labels[i] + `="` + escapeLabel(m.labels[i+1]) + `"`)
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			bw.WriteString(strconv.FormatFloat(m.value, 'g', -1, 64))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
