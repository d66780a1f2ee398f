package main

import (
	"fmt"
	"strings"
)

// The flag tables of the NNCP 8.8.2 commands ferry stands in for, as
// their -h lists them. Each flag is "name:kind[=default]" with kind b
// (bool), s (string), i (int) or u (uint); the default is NNCP's and is
// what -h shows. A flag is passed to ferry's command under the same
// long name unless the tool's translate says otherwise.

// Flag groups most tools share.
const (
	nncpCommon = "cfg:s debug:b log:s noprogress:b progress:b quiet:b spool:s"
	nncpAuto   = "autotoss:b autotoss-noack:b autotoss-noarea:b autotoss-noexec:b autotoss-nofile:b autotoss-nofreq:b autotoss-notrns:b autotoss-seen:b"
)

// nncpTool describes one nncp-NAME command.
type nncpTool struct {
	name  string // without the nncp- prefix
	ferry string // ferry's command; it must be registered in commands
	usage string // the arguments, for -h
	flags string // the flag table
	// translate adjusts the ferry arguments built from the flags set
	// (set: name → value as given) where NNCP's meaning differs.
	translate func(set map[string]string, args []string) ([]string, error)
}

var nncpTools = []nncpTool{
	{"ack", "ack", "-all | -node NODE[,...] | -node NODE -pkt PKT", nncpCommon + " all:b minsize:u nice:s=N node:s pkt:s via:s", nil},
	{"bundle", "bundle", "-tx [-delete] NODE [NODE ...] > ... | -rx [-check] [-delete] [-dryrun] [NODE ...] < ...",
		nncpCommon + " check:b delete:b dryrun:b nice:s=MAX rx:b tx:b", bundleArgs},
	{"call", "call", "NODE[:ADDR] [FORCEADDR]", nncpCommon + " " + nncpAuto +
		" list:b maxonlinetime:u mcd-wait:u nice:s=MAX nock:b onlinedeadline:u pkts:s rx:b rxrate:i tx:b txrate:i ucspi:b", nil},
	{"caller", "caller", "[NODE ...]", nncpCommon + " " + nncpAuto, nil},
	// cfgdir and cfgenc become live as soon as ferry registers commands
	// of those names; TestNNCPFlagTablesReachFerry then checks that these
	// flags reach them (adjust an entry, or give it a translate, if not).
	{"cfgdir", "cfgdir", "[-cfg ...] -dump /path/to/dir | -load /path/to/dir > cfg.hjson", "cfg:s dump:b load:b", nil},
	{"cfgenc", "cfgenc", "cfg.hjson > cfg.hjson.eblob | -d cfg.hjson.eblob > cfg.hjson | -dump cfg.hjson.eblob", "d:b dump:b p:i=2 s:i=32768 t:i=16", nil},
	{"cfgmin", "cfgmin", "", "cfg:s", nil},
	{"cfgnew", "cfgnew", "", "area:s nocomments:b yggdrasil:b", refuseYggdrasil},
	{"check", "check", "[-nock]", nncpCommon + " cycle:u nock:b node:s", nil},
	{"cronexpr", "cronexpr", "CRON-EXPRESSION", "num:u=10", cronexprArgs},
	{"daemon", "daemon", "", nncpCommon + " " + nncpAuto +
		" bind:s=[::]:5400 inetd:b maxconn:i=128 mcd-once:b nice:s=MAX nock:b ucspi:b yggdrasil:s", refuseYggdrasil},
	{"exec", "exec", "NODE HANDLE [ARG0 ARG1 ...] | area:AREA HANDLE [ARG0 ARG1 ...]",
		nncpCommon + " maxsize:u minsize:u nice:s=P nocompress:b replynice:s=B via:s", nil},
	{"file", "file", "SRC NODE:[DST] | SRC area:AREA:[DST]", nncpCommon + " chunked:i=-1 maxsize:u minsize:i=-1 nice:s=B via:s", nil},
	{"freq", "freq", "NODE:SRC [DST]", nncpCommon + " minsize:u nice:s=N replynice:s=B via:s", nil},
	{"hash", "hash", "[-file ...] [-seek X] [-debug] [-progress]", "debug:b file:s force-fat:b progress:b seek:u", nil},
	{"log", "log", "", "cfg:s debug:b log:s", nil},
	{"pkt", "pkt", "< PKT", "cfg:s decompress:b dump:b overheads:b", nil},
	{"reass", "reass", "[FILE.nncp.meta] | -node NODE | -all", nncpCommon + " all:b dryrun:b dump:b keep:b node:s stdout:b", nil},
	{"rm", "rm", "[-older X] {-tmp | -lock | {-all|-node NODE} {-part|-seen|-nock|-area|{-rx|-tx} [-hdr]|-pkt < ...}}",
		"cfg:s debug:b quiet:b spool:s all:b area:b dryrun:b hdr:b lock:b nock:b node:s older:s part:b pkt:b rx:b seen:b tmp:b tx:b", rmArgs},
	{"stat", "stat", "[-pkt] [-node NODE]", "cfg:s debug:b spool:s node:s pkt:b", nil},
	{"toss", "toss", "", nncpCommon + " cycle:u dryrun:b nice:s=MAX noack:b noarea:b node:s noexec:b nofile:b nofreq:b notrns:b seen:b", nil},
	{"trns", "trns", "-via NODEx[,...] NODE:PKT | -via NODEx[,...] /path/to/PKT", nncpCommon + " nice:s=B via:s", trnsArgs},
	{"xfer", "xfer", "DIR", nncpCommon + " keep:b mkdir:b nice:s=MAX node:s rx:b tx:b", nil},
}

func findNNCPTool(name string) *nncpTool {
	for i := range nncpTools {
		if nncpTools[i].name == name {
			return &nncpTools[i]
		}
	}
	return nil
}

// nncpFlagSpec is one parsed entry of a flag table.
type nncpFlagSpec struct {
	name, kind, def string
}

func (t *nncpTool) specs() []nncpFlagSpec {
	var out []nncpFlagSpec
	for _, f := range strings.Fields(t.flags) {
		name, rest, _ := strings.Cut(f, ":")
		kind, def, _ := strings.Cut(rest, "=")
		out = append(out, nncpFlagSpec{name, kind, def})
	}
	return out
}

// ferryFlag renders one flag for ferry's parser: ferry spells a
// one-letter flag with one dash and longer ones with two.
func ferryFlag(name, value string, isBool bool) string {
	dash := "--"
	if len(name) == 1 {
		dash = "-"
	}
	if isBool {
		if value == "true" {
			return dash + name
		}
		return dash + name + "=" + value
	}
	return dash + name + "=" + value
}

// bundleArgs: NNCP's bundle -tx keeps what it wrote unless -delete.
func bundleArgs(set map[string]string, args []string) ([]string, error) {
	_, tx := set["tx"]
	if tx && set["tx"] == "true" && set["delete"] != "true" {
		args = append(args, "--keep")
	}
	return args, nil
}

// rmArgs: NNCP's -hdr with -rx/-tx removes only the header copies.
func rmArgs(set map[string]string, args []string) ([]string, error) {
	if set["hdr"] != "true" {
		return args, nil
	}
	var out []string
	for _, a := range args {
		if a != "--rx" && a != "--tx" {
			out = append(out, a)
		}
	}
	return out, nil
}

// cronexprArgs: nncp-cronexpr prints 10 times by default, ferry 5.
func cronexprArgs(set map[string]string, args []string) ([]string, error) {
	if _, ok := set["num"]; !ok {
		args = append(args, "--num=10")
	}
	return args, nil
}

// trnsArgs: nncp-trns leaves a queued NODE:PKT in place.
func trnsArgs(set map[string]string, args []string) ([]string, error) {
	return append(args, "--keep"), nil
}

func refuseYggdrasil(set map[string]string, args []string) ([]string, error) {
	if v, ok := set["yggdrasil"]; ok && v != "false" && v != "" {
		return nil, withHint(fmt.Errorf("-yggdrasil: not supported"), "run the Yggdrasil daemon and use its address")
	}
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--yggdrasil") {
			out = append(out, a)
		}
	}
	return out, nil
}
