package spool

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ferry-dtn/ferry/packet"
)

// marshalRecord is json.Marshal(r), byte for byte, without reflection for
// the record a send writes beside its packet (trackpending.go): in a
// process that queues one message and exits, encoding/json builds its
// encoder for TrackRecord from the struct's fields first, which cost more
// than the rest of the record's write (perf over 200 ferry exec runs:
// 2.7% of each one's CPU). A record with a Failover goes through
// json.Marshal. trackjson_test.go holds the two encodings equal.
func marshalRecord(r *TrackRecord) ([]byte, error) {
	if r.Failover != nil {
		return json.Marshal(r)
	}
	b := make([]byte, 0, 1024)
	b = append(b, `{"id":`...)
	b = appendIDJSON(b, r.ID)
	b = append(b, `,"final":`...)
	b = appendIDJSON(b, r.Final)
	if len(r.Layers) > 0 {
		b = append(b, `,"layers":`...)
		b = appendIDsJSON(b, r.Layers)
	}
	b = append(b, `,"node":`...)
	b = appendIDJSON(b, r.Node)
	b = append(b, `,"route":`...)
	b = appendIDsJSON(b, r.Route)
	b = append(b, `,"kind":`...)
	b = appendStringJSON(b, r.Kind)
	if r.What != "" {
		b = append(b, `,"what":`...)
		b = appendStringJSON(b, r.What)
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, r.Size, 10)
	b = append(b, `,"state":`...)
	b = appendStringJSON(b, string(r.State))
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendStringJSON(b, r.Reason)
	}
	if r.Status != nil {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(*r.Status), 10)
	}
	if r.Hop != "" {
		b = append(b, `,"hop":`...)
		b = appendStringJSON(b, r.Hop)
	}
	var err error
	if b, err = appendTimeJSON(b, `,"queued":`, r.Queued, false); err != nil {
		return nil, err
	}
	if b, err = appendTimeJSON(b, `,"sent":`, r.Sent, true); err != nil {
		return nil, err
	}
	if b, err = appendTimeJSON(b, `,"done":`, r.Done, true); err != nil {
		return nil, err
	}
	if b, err = appendTimeJSON(b, `,"expires":`, r.Expires, true); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendIDJSON: an id is a byte array, which encoding/json writes as an
// array of numbers.
func appendIDJSON(b []byte, id packet.ID) []byte {
	b = append(b, '[')
	for i, c := range id {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(c), 10)
	}
	return append(b, ']')
}

func appendIDsJSON(b []byte, ids []packet.ID) []byte {
	if ids == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendIDJSON(b, id)
	}
	return append(b, ']')
}

// appendStringJSON writes s as encoding/json does: a string of printable
// ASCII that needs no escape as is, any other through json.Marshal (which
// escapes <, > and &, control characters, U+2028 and U+2029, and replaces
// invalid UTF-8).
func appendStringJSON(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			v, _ := json.Marshal(s) // a string always encodes
			return append(b, v...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTimeJSON writes key and t as encoding/json does (t's MarshalJSON,
// which refuses a year past 9999); omitZero: nothing for a zero t.
func appendTimeJSON(b []byte, key string, t time.Time, omitZero bool) ([]byte, error) {
	if omitZero && t.IsZero() {
		return b, nil
	}
	v, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, key...)
	return append(b, v...), nil
}
