package main

// command is one subcommand. The table drives dispatch, `ferry help`, and
// the test that every command has a man page and --help.
type command struct {
	name    string
	summary string
	run     func(g *globals, args []string) error
}

var commands = []command{
	{"cfgnew", "print a new configuration with fresh keys", runCfgnew},
	{"cfgmin", "print the configuration without private keys", runCfgmin},
	{"pkt", "describe, decrypt or dump a packet read on stdin", runPkt},
	{"hash", "print the MTH (packet id hash) of a file", runHash},
	{"version", "print the version", runVersion},
}
