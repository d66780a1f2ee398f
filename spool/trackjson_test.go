package spool

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

func checkMarshalRecord(t *testing.T, r TrackRecord) {
	t.Helper()
	want, werr := json.Marshal(&r)
	got, gerr := marshalRecord(&r)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("json.Marshal error %v, marshalRecord error %v", werr, gerr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("marshalRecord:\n%s\njson.Marshal:\n%s", got, want)
	}
}

func TestMarshalRecordIsJSONMarshal(t *testing.T) {
	id := func(b byte) packet.ID {
		var i packet.ID
		for k := range i {
			i[k] = b + byte(k)*7
		}
		return i
	}
	status := 3
	now := time.Date(2026, 12, 2, 5, 30, 0, 123456789, time.FixedZone("X", 3600))
	for _, r := range []TrackRecord{
		{},
		{ID: id(1), Final: id(1), Node: id(2), Route: []packet.ID{id(2)}, Kind: "exec", What: "sendmail", Size: 170, State: TrackQueued, Queued: now},
		{ID: id(1), Final: id(9), Layers: []packet.ID{id(3), id(4)}, Node: id(2), Route: []packet.ID{}, Kind: "freq", What: "a <b> & \"c\" \\ \x01 é \u2028 \xff",
			Size: -1, State: TrackFailed, Reason: "exit status 3", Status: &status, Hop: "call", Queued: now, Sent: now.UTC(), Done: now.Local(), Expires: now.Add(time.Hour)},
		{Kind: "a<b", What: "a>b", Reason: "a&b", Hop: "a\"b"}, {What: "a\\b"}, {What: "\x7f\u2029"}, {What: "\xff"},
		{Queued: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},                        // json.Marshal refuses it
		{Queued: now, Sent: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},                // and this
		{Queued: now, Failover: &Failover{Wait: time.Minute, Since: now, Current: 1}}, // through json.Marshal
	} {
		checkMarshalRecord(t, r)
	}
}

func FuzzMarshalRecord(f *testing.F) {
	f.Add([]byte{1, 2}, "exec", "sendmail", "", "call", int64(170), int64(1e9), int64(0), true)
	f.Add([]byte{}, "freq", "<&>", "\xff\u2028", "", int64(-5), int64(-1e18), int64(253402300800), false)
	f.Fuzz(func(t *testing.T, seed []byte, kind, what, reason, hop string, size, queued, sent int64, withStatus bool) {
		var r TrackRecord
		for i, c := range seed {
			r.ID[i%packet.IDLen] ^= c
			r.Final[(i*5)%packet.IDLen] += c
		}
		if len(seed) > 2 {
			r.Layers = []packet.ID{r.ID}
			r.Route = []packet.ID{r.Final, r.ID}
		}
		r.Kind, r.What, r.Reason, r.Hop, r.Size = kind, what, reason, hop, size
		r.State = TrackState(reason)
		r.Queued = time.Unix(queued, queued%1e9)
		if sent != 0 {
			r.Sent = time.Unix(sent, 0).In(time.FixedZone("", int(sent%86400)))
		}
		if withStatus {
			s := int(size)
			r.Status = &s
		}
		checkMarshalRecord(t, r)
	})
}
