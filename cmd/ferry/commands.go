package main

import "context"

// command is one subcommand. The table drives dispatch, `ferry help`,
// `ferry completion`, and the test that every command has a man page and
// --help. run must build its flags with g.flags and call g.parse before it
// does anything else: completion runs it with g.describe set to read the
// flag set, and fails for a command that does not stop there.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, g *globals, args []string) error
}

// runFlagsOnly runs c with g.describe or g.parseOnly set, so it stops at
// g.parse having built its flag set. Nothing runs, so it needs no context
// from main: it gets one already cancelled, which would stop at once a
// command that went further by mistake.
func runFlagsOnly(c *command, g *globals) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return c.run(ctx, g, nil)
}

var commands = []command{
	{"cfgnew", "print a new configuration with fresh keys", runCfgnew},
	{"cfgmin", "print the configuration without private keys", runCfgmin},
	{"cfgenc", "encrypt or decrypt a configuration under a passphrase", runCfgenc},
	{"cfgdir", "convert the configuration to and from a directory, one file per key", runCfgdir},
	{"neigh", "export this node's card; add, change, remove and list neighbours", runNeigh},
	{"pkt", "describe, decrypt or dump a packet read on stdin", runPkt},
	{"hash", "print the MTH (packet id hash) of a file", runHash},
	{"file", "queue a file or directory for a node or an area", runFile},
	{"freq", "request a file from a node", runFreq},
	{"exec", "queue a command (mail, ...) for a node or an area", runExec},
	{"ack", "acknowledge received packets to their senders", runAck},
	{"trns", "send an existing packet through relays", runTrns},
	{"toss", "process received packets", runToss},
	{"stat", "show what is queued", runStat},
	{"track", "show what became of the messages this node sent", runTrack},
	{"rm", "remove packets and spool leftovers", runRm},
	{"gc", "apply the config's age limits to the spool once", runGc},
	{"check", "verify queued packets against their names", runCheck},
	{"doctor", "report what is wrong with the config, the spool and the machine", runDoctor},
	{"log", "show the log, one line per event", runLog},
	{"xfer", "exchange packets with a directory or removable medium", runXfer},
	{"bundle", "write packets to, or read them from, a tar stream", runBundle},
	{"reass", "reassemble chunked files", runReass},
	{"daemon", "answer calls from neighbours", runDaemon},
	{"call", "call a neighbour and exchange packets", runCall},
	{"caller", "make the calls the config schedules", runCaller},
	{"cronexpr", "print the next times a cron expression matches", runCronexpr},
	{"version", "print the version", runVersion},
}
