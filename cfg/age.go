package cfg

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Age limits (key ferry-age, at the top level and per neighbour; NNCP
// ignores it) say how long each kind of file may stay in the spool
// before ferry gc, the daemon and the caller remove it. They replace the
// cron jobs of `nncp-rm -older 7d` an NNCP operator keeps. Packets are
// never removed by default: tx, rx and bad have no limit until one is
// set. Header copies of gone packets, temporary files and partial
// downloads go after seven days, as such a cron job would have them go.
// Seen and area markers are what keeps a packet or an area message that
// arrives again (a carrier brings it until our ACK reaches its sender,
// an area floods it round) from being taken twice: they stay 30 days,
// longer than a weekly sneakernet's round trip, where the cron job's
// seven days would let a second trip deliver a file twice.

// The keys of ferry-age, each a kind of file in the spool.
const (
	AgeTx   = "tx"   // outbound packets: <node>/tx/<PKT>
	AgeRx   = "rx"   // received packets never tossed: <node>/rx/<PKT>
	AgeBad  = "bad"  // what toss set aside: <node>/{rx,tx}/bad/<PKT>
	AgePart = "part" // unfinished downloads: <node>/rx/<PKT>.part
	AgeNock = "nock" // downloads never checked: <node>/rx/<PKT>.nock
	AgeSeen = "seen" // processed markers: <node>/rx/seen/<PKT>
	AgeHdr  = "hdr"  // header copies whose packet is gone: <node>/{rx,tx}/hdr/<PKT>
	AgeTmp  = "tmp"  // files of writers that died: SPOOL/tmp/*, incoming .ferry* files
	AgeArea = "area" // area message markers: <node>/area/<AREA>/<MSG>
)

// AgeKeys are the keys of ferry-age in the order the pass applies them.
var AgeKeys = []string{AgeTx, AgeRx, AgeBad, AgePart, AgeNock, AgeSeen, AgeHdr, AgeTmp, AgeArea}

// DefaultAges are the limits of keys a config leaves out. The keys not
// here (tx, rx, bad) have none: packets go only when a limit is set.
var DefaultAges = Ages{AgePart: 7 * Day, AgeNock: 7 * Day, AgeSeen: 30 * Day, AgeHdr: 7 * Day, AgeTmp: 7 * Day, AgeArea: 30 * Day}

// Day is 24 hours, the unit ages are mostly written in.
const Day = 24 * time.Hour

// Ages maps a ferry-age key to its limit; 0 (written "never") keeps
// files of that kind whatever their age. A key missing from a
// neighbour's Ages takes the top level's.
type Ages map[string]time.Duration

// MaxAge is the age past which a file of kind key (one of AgeKeys) in
// node's directories is removed, or 0 for no limit: the neighbour's
// ferry-age first, then the top level's, then DefaultAges. tmp is the
// same for every node.
func (c *Config) MaxAge(node packet.ID, key string) time.Duration {
	if n := c.ByID[node]; n != nil && key != AgeTmp {
		if d, ok := n.Ages[key]; ok {
			return d
		}
	}
	if d, ok := c.Ages[key]; ok {
		return d
	}
	return DefaultAges[key]
}

// ParseAge reads one limit: whole days ("7d"), a Go duration ("36h",
// "90m"), or "never". A zero or negative age is refused: it would remove
// everything of that kind as soon as it is made.
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "never" {
		return 0, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		days, err := strconv.ParseInt(n, 10, 64)
		if err != nil || days > int64(math.MaxInt64/Day) {
			return 0, fmt.Errorf("%q: too many days", s)
		}
		d = time.Duration(days) * Day
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("want an age such as 7d or 36h, or never; got %q", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("want an age above zero (or never), got %q", s)
	}
	return d, nil
}

// FormatAge writes a limit as ParseAge reads it.
func FormatAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "never"
	case d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}

// rawAges is ferry-age as the file has it: each value a string (a number
// is refused with the key's path, as an age needs its unit).
type rawAges struct {
	Tx   json.RawMessage `json:"tx"`
	Rx   json.RawMessage `json:"rx"`
	Bad  json.RawMessage `json:"bad"`
	Part json.RawMessage `json:"part"`
	Nock json.RawMessage `json:"nock"`
	Seen json.RawMessage `json:"seen"`
	Hdr  json.RawMessage `json:"hdr"`
	Tmp  json.RawMessage `json:"tmp"`
	Area json.RawMessage `json:"area"`
}

// buildAges reads a ferry-age object at path (ferry-age or
// neigh.NAME.ferry-age). A neighbour's has no tmp: SPOOL/tmp is shared.
func buildAges(path string, r *rawAges, perNode bool) (Ages, error) {
	if r == nil {
		return nil, nil
	}
	out := Ages{}
	for _, f := range []struct {
		key string
		raw json.RawMessage
	}{{AgeTx, r.Tx}, {AgeRx, r.Rx}, {AgeBad, r.Bad}, {AgePart, r.Part}, {AgeNock, r.Nock},
		{AgeSeen, r.Seen}, {AgeHdr, r.Hdr}, {AgeTmp, r.Tmp}, {AgeArea, r.Area}} {
		if len(f.raw) == 0 || string(f.raw) == "null" {
			continue
		}
		p := path + "." + f.key
		if perNode && f.key == AgeTmp {
			return nil, fieldErr(p, "SPOOL/tmp is shared by every node: set tmp in the top-level ferry-age")
		}
		var s string
		if err := json.Unmarshal(f.raw, &s); err != nil {
			return nil, fieldErr(p, "want an age with its unit such as 7d or 36h, or never; got %s", f.raw)
		}
		d, err := ParseAge(s)
		if err != nil {
			return nil, fieldErr(p, "%v", err)
		}
		out[f.key] = d
	}
	return out, nil
}
