package cfg

// The directory layout of nncp-cfgdir: every config key is a file or a
// directory of the same name. This table is the whole layout;
// dirread.go and dirwrite.go walk it.
//
//	spool, log, umask          a file holding the value and a newline
//	noprogress, nohdr          an empty file when true, absent when false
//	mcd-listen, neigh/N/via    one item per line
//	mcd-send/IFACE             a file holding an integer
//	neigh/NAME/...             a directory per neighbour, areas/NAME likewise
//	neigh/NAME/exec/HANDLE     one argv element per line
//	neigh/NAME/calls/0/...     a directory per call, in numeric order
//	neigh/NAME/ferry-via-alt/0 one route per file, in numeric order, a relay per line
//
// Files whose names end in "prv" are written 0600, the rest 0666 (less
// the umask), as NNCP does. Names starting with "." are ignored on load.

type dirKind int

const (
	dirString    dirKind = iota // a file: its text
	dirInt                      // a file: a decimal integer
	dirFlag                     // an empty file when true
	dirLines                    // a file: one list item per line
	dirStrings                  // a directory: one string file per key
	dirInts                     // a directory: one integer file per key
	dirLineMap                  // a directory: one lines file per key
	dirObject                   // a directory of fields
	dirObjects                  // a directory: one object directory per key
	dirList                     // a directory: one object directory per index
	dirLinesList                // a directory: one lines file per index (ferry-via-alt)
)

type dirField struct {
	name   string
	kind   dirKind
	must   bool       // a missing file is an error on load
	fields []dirField // of dirObject, dirObjects, dirList
}

var fromTo = []dirField{{name: "from", must: true}, {name: "to", must: true}}

var callFields = []dirField{
	{name: "cron", must: true},
	{name: "nice"},
	{name: "xx"},
	{name: "rxrate", kind: dirInt},
	{name: "txrate", kind: dirInt},
	{name: "addr"},
	{name: "onlinedeadline", kind: dirInt},
	{name: "maxonlinetime", kind: dirInt},
	{name: "when-tx-exists", kind: dirFlag},
	{name: "nock", kind: dirFlag},
	{name: "mcd-ignore", kind: dirFlag},
	{name: "autotoss", kind: dirFlag},
	{name: "autotoss-doseen", kind: dirFlag},
	{name: "autotoss-nofile", kind: dirFlag},
	{name: "autotoss-nofreq", kind: dirFlag},
	{name: "autotoss-noexec", kind: dirFlag},
	{name: "autotoss-notrns", kind: dirFlag},
	{name: "autotoss-noarea", kind: dirFlag},
}

var neighFields = []dirField{
	{name: "id", must: true},
	{name: "exchpub", must: true},
	{name: "signpub", must: true},
	{name: "noisepub"},
	{name: "incoming"},
	{name: "exec", kind: dirLineMap},
	{name: "freq", kind: dirObject, fields: []dirField{
		{name: "path"},
		{name: "chunked", kind: dirInt},
		{name: "minsize", kind: dirInt},
		{name: "maxsize", kind: dirInt},
	}},
	{name: "via", kind: dirLines},
	{name: "addrs", kind: dirStrings},
	{name: "rxrate", kind: dirInt},
	{name: "txrate", kind: dirInt},
	{name: "onlinedeadline", kind: dirInt},
	{name: "maxonlinetime", kind: dirInt},
	{name: "calls", kind: dirList, fields: callFields},
	{name: "ferry", kind: dirFlag},
	{name: "ferry-expire"},
	{name: "ferry-age", kind: dirObject, fields: nodeAgeFields},
	{name: "ferry-quota", kind: dirObject, fields: quotaFields},
	{name: "ferry-exec-attempts", kind: dirInt},
	{name: "ferry-exec-backoff"},
	{name: "ferry-via-alt", kind: dirLinesList},
	{name: "ferry-failover"},
}

// quotaFields are ferry-quota's (ferry only, at the top and per
// neighbour), each kept as text: bytes as "2G" or digits, and packets as
// digits, which the config takes as a number or a string alike.
var quotaFields = []dirField{
	{name: "rx-bytes"},
	{name: "rx-packets"},
	{name: "tx-bytes"},
	{name: "tx-packets"},
}

// ageFields are ferry-age's keys (age.go), each a file holding an age;
// a neighbour's have no tmp.
var ageFields = []dirField{{name: "tx"}, {name: "rx"}, {name: "bad"}, {name: "part"}, {name: "nock"},
	{name: "seen"}, {name: "hdr"}, {name: "tmp"}, {name: "area"}}

var nodeAgeFields = []dirField{{name: "tx"}, {name: "rx"}, {name: "bad"}, {name: "part"}, {name: "nock"},
	{name: "seen"}, {name: "hdr"}, {name: "area"}}

var selfFields = []dirField{
	{name: "id", must: true},
	{name: "exchpub", must: true},
	{name: "exchprv", must: true},
	{name: "signpub", must: true},
	{name: "signprv", must: true},
	{name: "noisepub", must: true},
	{name: "noiseprv", must: true},
}

var areaFields = []dirField{
	{name: "id", must: true},
	{name: "pub"},
	{name: "prv"},
	{name: "subs", kind: dirLines},
	{name: "exec", kind: dirLineMap},
	{name: "incoming"},
	{name: "allow-unknown", kind: dirFlag},
}

var topFields = []dirField{
	{name: "spool", must: true},
	{name: "log", must: true},
	{name: "umask"},
	{name: "noprogress", kind: dirFlag},
	{name: "nohdr", kind: dirFlag},
	{name: "autoreass", kind: dirFlag},                      // ferry only; nncp-cfgdir ignores the file
	{name: "ferry-reserve"},                                 // ferry only: bytes ("64M", a number) or "N%"
	{name: "ferry-age", kind: dirObject, fields: ageFields}, // ferry only: one file per limit
	// ferry only, like the neighbours' (quotaFields above)
	{name: "ferry-quota", kind: dirObject, fields: quotaFields},
	{name: "ferry-exec-attempts", kind: dirInt},
	{name: "ferry-exec-backoff"},
	{name: "ferry-exec-jobs", kind: dirInt},
	{name: "mcd-listen", kind: dirLines},
	{name: "mcd-send", kind: dirInts},
	{name: "notify", kind: dirObject, fields: []dirField{
		{name: "file", kind: dirObject, fields: fromTo},
		{name: "freq", kind: dirObject, fields: fromTo},
		{name: "exec", kind: dirObjects, fields: fromTo},
	}},
	{name: "self", kind: dirObject, fields: selfFields},
	{name: "neigh", kind: dirObjects, fields: neighFields},
	{name: "areas", kind: dirObjects, fields: areaFields},
	{name: "yggdrasil-aliases", kind: dirStrings},
}
