package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/call"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

// TestStatMetricsQuotas: with bob's own quotas and a global one set,
// stat --metrics reports each limit and what the queues hold against
// it, .part files included as the quota counts them; promtool passes.
func TestStatMetricsQuotas(t *testing.T) {
	t.Parallel()
	l := newDoctorLab(t)
	l.edit(t, "    bob:\n    {\n", "    bob:\n    {\n      ferry-quota: {\n        tx-packets: 5\n        rx-bytes: 1K\n      }\n")
	l.edit(t, "{\n  ferry-reserve: 0", "{\n  ferry-reserve: 0\n  ferry-quota: {\n    tx-bytes: 1M\n  }")
	bob := l.ids["bob"]
	for i := range 3 {
		l.file(t, 0, bob, "tx", seedID(uint64(i)))
	}
	l.file(t, 0, bob, "rx", seedID(10)+".part")
	r := runStatMetrics(t, l)
	size := len("not really a packet")
	for _, want := range []string{
		`ferry_quota_packets{node="bob",direction="tx"} 5`,
		`ferry_quota_used_packets{node="bob",direction="tx"} 3`,
		`ferry_quota_used_bytes{node="bob",direction="tx"} ` + strconv.Itoa(3*size),
		`ferry_quota_bytes{node="bob",direction="rx"} 1024`,
		`ferry_quota_used_bytes{node="bob",direction="rx"} ` + strconv.Itoa(size),
		`ferry_quota_used_packets{node="bob",direction="rx"} 1`,
		`ferry_quota_global_used_bytes{direction="tx"} ` + strconv.Itoa(3*size),
		`ferry_quota_global_used_packets{direction="tx"} 3`,
	} {
		if !bytes.Contains(r, []byte(want+"\n")) {
			t.Errorf("no %q in:\n%s", want, r)
		}
	}
	if v := metricValue(t, r, `ferry_quota_global_bytes{direction="tx"}`); v != 1<<20 {
		t.Errorf("global tx-bytes quota %v, want %d", v, 1<<20)
	}
	for _, absent := range []string{`ferry_quota_bytes{node="bob",direction="tx"}`, `ferry_quota_global_bytes{direction="rx"}`} {
		if bytes.Contains(r, []byte(absent)) {
			t.Errorf("%s reported, but that quota is not set:\n%s", absent, r)
		}
	}
	promtoolCheck(t, r)
}

// TestStatMetricsNoQuota: without a quota, no quota family appears and
// nothing is counted for one.
func TestStatMetricsNoQuota(t *testing.T) {
	t.Parallel()
	l := newDoctorLab(t)
	if r := runStatMetrics(t, l); bytes.Contains(r, []byte("ferry_quota_")) {
		t.Errorf("quota families without a quota:\n%s", r)
	}
}

// TestDaemonCountsPolicies: the daemon's counters of quota refusals
// (sessions' packets not requested, autotoss's left for a tx quota) and
// of the age passes' removals by kind.
func TestDaemonCountsPolicies(t *testing.T) {
	t.Parallel()
	d := newDaemonCounters()
	d.session(call.Stats{Node: "bob", OverQuota: 2}, nil)
	d.session(call.Stats{Node: "bob", OverQuota: 1}, nil)
	d.session(call.Stats{Node: "carol"}, nil)
	d.tossed(toss.Result{Failed: 1, OverQuota: 1}, toss.ErrSomeFailed)
	for _, k := range []spool.AgeKind{spool.AgeTx, spool.AgeTx, spool.AgePart} {
		d.ageRemoval(spool.Removal{Kind: k})
	}
	var m metricSet
	d.add(&m)
	var b bytes.Buffer
	if err := m.write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`ferry_daemon_quota_refused_total{node="bob",direction="rx"} 3`,
		`ferry_toss_packets_total{result="over_quota"} 1`,
		`ferry_age_removed_total{kind="tx"} 2`,
		`ferry_age_removed_total{kind="part"} 1`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("no %q in:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), `ferry_daemon_quota_refused_total{node="carol"`) {
		t.Errorf("a refusal counted for carol, who had none:\n%s", b.String())
	}
	promtoolCheck(t, b.Bytes())
}
