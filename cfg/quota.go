package cfg

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
)

// Quotas cap what may wait in the spool (config key ferry-quota, at the
// top for every node's queues together and in a neighbour for its own;
// NNCP ignores both). A call does not ask for an offered packet that
// would take an rx queue over its quota, and a packet is not queued for
// sending when it would take a tx queue over its own. Zero fields are
// unlimited: the zero Quota, the default, limits nothing.
type Quota struct {
	RX, TX Limit
}

// Limit is one direction's cap: bytes and packets queued, 0 for none.
// Its fields are spool.Limit's, so one converts to the other.
type Limit struct {
	Bytes, Packets int64
}

// Set reports whether the limit caps anything.
func (l Limit) Set() bool { return l.Bytes > 0 || l.Packets > 0 }

// Set reports whether the quota caps anything.
func (q Quota) Set() bool { return q.RX.Set() || q.TX.Set() }

// Quotas is what caps node's queues: its own quota and the global one.
func (c *Config) Quotas(node packet.ID) (own, all Quota) {
	if n := c.ByID[node]; n != nil {
		own = n.Quota
	}
	return own, c.Quota
}

// AnyQuota reports whether the config sets a quota anywhere: without
// one, nothing need be counted.
func (c *Config) AnyQuota() bool {
	if c.Quota.Set() {
		return true
	}
	for _, n := range c.Neigh {
		if n.Quota.Set() {
			return true
		}
	}
	return false
}

// ParseSize reads a number of bytes with an optional binary suffix K, M,
// G or T (also KiB, MiB...), as ferry-reserve and ferry-quota take it.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num := strings.TrimRight(s, "KMGTiBkmgtb ")
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	shift, ok := map[string]uint{"": 0, "B": 0, "K": 10, "KIB": 10, "M": 20, "MIB": 20, "G": 30, "GIB": 30, "T": 40, "TIB": 40}[unit]
	n, err := strconv.ParseUint(strings.TrimSpace(num), 10, 64)
	if !ok || err != nil || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("want bytes like 256M or 1G, got %q", s)
	}
	return int64(n << shift), nil
}

// rawQuota is ferry-quota as the file has it. Bytes are a number or a
// string with a suffix ("2G"), packets a number.
type rawQuota struct {
	RxBytes   json.RawMessage `json:"rx-bytes"`
	RxPackets json.RawMessage `json:"rx-packets"`
	TxBytes   json.RawMessage `json:"tx-bytes"`
	TxPackets json.RawMessage `json:"tx-packets"`
}

// buildQuota reads the ferry-quota object at path (nil: none).
func buildQuota(path string, r *rawQuota) (Quota, error) {
	var q Quota
	if r == nil {
		return q, nil
	}
	for _, f := range []struct {
		key   string
		raw   json.RawMessage
		into  *int64
		bytes bool
	}{
		{"rx-bytes", r.RxBytes, &q.RX.Bytes, true},
		{"rx-packets", r.RxPackets, &q.RX.Packets, false},
		{"tx-bytes", r.TxBytes, &q.TX.Bytes, true},
		{"tx-packets", r.TxPackets, &q.TX.Packets, false},
	} {
		n, err := quotaValue(f.raw, f.bytes)
		if err != nil {
			return Quota{}, fieldErr(path+"."+f.key, "%v", err)
		}
		*f.into = n
	}
	return q, nil
}

// quotaValue reads one ferry-quota field: absent or null is 0 (none).
// A config directory keeps every value as text, so a count may come as
// a string of digits too.
func quotaValue(raw json.RawMessage, bytes bool) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, fmt.Errorf("want a number or a string, got %s", raw)
		}
		s = n.String()
	}
	if bytes {
		return ParseSize(s)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a whole number of packets, got %q", s)
	}
	return n, nil
}
