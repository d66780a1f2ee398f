package main

import (
	"errors"
	"sync"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// daemonCounters are what ferry daemon --metrics counts since it
// started, besides the spool's gauges. Sessions report from their own
// goroutines and the admission's from its: one lock, held only to bump
// or copy a map, never across I/O.
type daemonCounters struct {
	mu        sync.Mutex
	sessions  map[[2]string]float64 // node, outcome
	bytes     map[[2]string]float64 // node, direction
	packets   map[[2]string]float64 // node, direction
	refused   map[string]float64    // reason
	handshake map[string]float64    // reason
	toss      map[[2]string]float64 // result, packet type
	tossRuns  map[string]float64    // outcome
	overQuota map[string]float64    // node: offered packets not requested for the rx quota
	aged      map[string]float64    // age kind: files the age passes removed
}

func newDaemonCounters() *daemonCounters {
	return &daemonCounters{sessions: map[[2]string]float64{}, bytes: map[[2]string]float64{}, packets: map[[2]string]float64{},
		refused: map[string]float64{}, handshake: map[string]float64{}, toss: map[[2]string]float64{}, tossRuns: map[string]float64{},
		overQuota: map[string]float64{}, aged: map[string]float64{}}
}

// session counts one session that took place (a handshake succeeded).
func (d *daemonCounters) session(st call.Stats, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	node := st.Node
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sessions[[2]string{node, outcome}]++
	d.bytes[[2]string{node, "rx"}] += float64(st.RxBytes)
	d.bytes[[2]string{node, "tx"}] += float64(st.TxBytes)
	d.packets[[2]string{node, "rx"}] += float64(st.RxPkts)
	d.packets[[2]string{node, "tx"}] += float64(st.TxPkts)
	if st.OverQuota > 0 {
		d.overQuota[node] += float64(st.OverQuota)
	}
}

// ageRemoval is the AgeKeeper's Removed hook: one file an age pass
// removed.
func (d *daemonCounters) ageRemoval(r spool.Removal) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.aged[string(r.Kind)]++
}

// refusal is the call.Daemon's Refused hook.
func (d *daemonCounters) refusal(reason string, handshake bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if handshake {
		d.handshake[reason]++
	} else {
		d.refused[reason]++
	}
}

// tossed counts one autotoss run's result.
func (d *daemonCounters) tossed(res toss.Result, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for t, n := range res.Tossed {
		d.toss[[2]string{"tossed", t.String()}] += float64(n)
	}
	d.toss[[2]string{"failed", ""}] += float64(res.Failed)
	d.toss[[2]string{"set_aside", ""}] += float64(res.SetAside)
	d.toss[[2]string{"over_quota", ""}] += float64(res.OverQuota)
	switch {
	case err == nil:
		d.tossRuns["ok"]++
	case errors.Is(err, toss.ErrSomeFailed):
		d.tossRuns["some_failed"]++
	default:
		d.tossRuns["failed"]++
	}
}

// add copies the counters into m.
func (d *daemonCounters) add(m *metricSet) {
	d.mu.Lock()
	defer d.mu.Unlock()
	const (
		sessions  = "ferry_daemon_sessions_total"
		bytes     = "ferry_daemon_bytes_total"
		packets   = "ferry_daemon_packets_total"
		refused   = "ferry_daemon_refused_total"
		handshake = "ferry_daemon_handshake_failures_total"
		tossed    = "ferry_toss_packets_total"
		tossRuns  = "ferry_toss_runs_total"
		overQuota = "ferry_daemon_quota_refused_total"
		aged      = "ferry_age_removed_total"
	)
	m.declare(sessions, counter, "Sessions with a neighbour since the daemon started, by node and outcome (failed: cut or left unfinished).")
	for k, v := range d.sessions {
		m.add(sessions, counter, "", v, "node", k[0], "outcome", k[1])
	}
	m.declare(bytes, counter, "Bytes of packets received (rx) and sent (tx) in sessions, by node.")
	for k, v := range d.bytes {
		m.add(bytes, counter, "", v, "node", k[0], "direction", k[1])
	}
	m.declare(packets, counter, "Packets received (rx) and sent (tx) in sessions, by node.")
	for k, v := range d.packets {
		m.add(packets, counter, "", v, "node", k[0], "direction", k[1])
	}
	m.declare(refused, counter, "Connections refused under load (full, per-addr, failing, evicted) and accept errors, by reason.")
	for k, v := range d.refused {
		m.add(refused, counter, "", v, "reason", k)
	}
	m.declare(handshake, counter, "Connections whose handshake failed (timeout, unknown-key, bad-handshake), by reason.")
	for k, v := range d.handshake {
		m.add(handshake, counter, "", v, "reason", k)
	}
	m.declare(overQuota, counter, "Packets a neighbour offered and sessions did not request, for they did not fit in the rx quota (ferry-quota), by node and direction.")
	for k, v := range d.overQuota {
		m.add(overQuota, counter, "", v, "node", k, "direction", "rx")
	}
	m.declare(aged, counter, "Files the daemon's age passes removed (ferry-age), by kind: tx, rx, bad, part, nock, seen, hdr, tmp, area, orphan.")
	for k, v := range d.aged {
		m.add(aged, counter, "", v, "kind", k)
	}
	m.declare(tossed, counter, "Packets autotoss processed, by result (tossed, failed, set_aside, over_quota: left in rx for a tx quota, counted in failed too) and, for those tossed, packet type.")
	for k, v := range d.toss {
		if k[1] == "" {
			m.add(tossed, counter, "", v, "result", k[0])
		} else {
			m.add(tossed, counter, "", v, "result", k[0], "type", k[1])
		}
	}
	m.declare(tossRuns, counter, "Autotoss runs, by outcome.")
	for k, v := range d.tossRuns {
		m.add(tossRuns, counter, "", v, "outcome", k)
	}
}
