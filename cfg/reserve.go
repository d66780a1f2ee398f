package cfg

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Reserve is the free space ferry keeps on a filesystem it writes
// packets or received files to (config key ferry-reserve, which NNCP
// ignores): a download that would eat into it is not requested, and a
// file that would is not tossed yet. The zero Reserve is the default.
type Reserve struct {
	Set     bool    // false: DefaultReserve
	Bytes   uint64  // a fixed amount, when Percent is 0
	Percent float64 // a share of the filesystem's size
}

// The default reserve is the larger of 1% of the filesystem and 64 MiB:
// room for the log, the index, header copies, ACKs and other neighbours'
// mail on any common disk. On a filesystem under 1.25 GiB, where 64 MiB
// would be more than 5% of it, it is 5%, so a small dedicated spool
// (a 100 MiB tmpfs keeps 5 MiB) stays usable.
const (
	DefaultReserveMin     = 64 << 20
	DefaultReservePercent = 1
	DefaultReserveCap     = 5 // percent
)

// Of is the reserve in bytes on a filesystem of total bytes.
func (r Reserve) Of(total uint64) uint64 {
	if r.Set {
		if r.Percent > 0 {
			return uint64(float64(total) * r.Percent / 100)
		}
		return r.Bytes
	}
	n := max(percentOf(total, DefaultReservePercent), DefaultReserveMin)
	return min(n, percentOf(total, DefaultReserveCap))
}

func percentOf(total, pct uint64) uint64 {
	return total/100*pct + total%100*pct/100
}

func (r Reserve) String() string {
	switch {
	case !r.Set:
		return "default (the larger of 1% and 64 MiB, at most 5%)"
	case r.Percent > 0:
		return strconv.FormatFloat(r.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatUint(r.Bytes, 10)
}

// ParseReserve reads a reserve: a number of bytes with an optional
// binary suffix K, M, G or T (also KiB, MiB...), or a percentage of the
// filesystem such as "2%" or "0.5%". "0" keeps no reserve.
func ParseReserve(s string) (Reserve, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 50 {
			return Reserve{}, fmt.Errorf("want a percentage from 0%% to 50%%, got %q", s)
		}
		return Reserve{Set: true, Percent: f}, nil
	}
	n, err := ParseSize(s)
	if err != nil {
		return Reserve{}, fmt.Errorf("want bytes like 256M or 1G, or a percentage like 2%%, got %q", s)
	}
	return Reserve{Set: true, Bytes: uint64(n)}, nil
}

// buildReserve reads ferry-reserve as Hjson gives it: a number of bytes
// or a string.
func buildReserve(raw json.RawMessage) (Reserve, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return Reserve{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return Reserve{}, fieldErr("ferry-reserve", "want bytes like 256M or a percentage like 2%%")
		}
		s = n.String()
	}
	r, err := ParseReserve(s)
	if err != nil {
		return Reserve{}, fieldErr("ferry-reserve", "%v", err)
	}
	return r, nil
}
