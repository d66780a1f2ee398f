package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/toss/outbox"
)

// sendFlags are the options every sending command shares.
type sendFlags struct {
	nice, replyNice uint8
	via             string
	minSize         int64
	maxSize         int64
	printID, json   bool
	expire          time.Duration
	fs              *pflag.FlagSet
}

func addSendFlags(fs *pflag.FlagSet, defNice uint8, reply bool) *sendFlags {
	s := &sendFlags{fs: fs}
	fs.Var(newNice(&s.nice, defNice), "nice", "outbound niceness `NICE`")
	if reply {
		fs.Var(newNice(&s.replyNice, packet.NiceBulk), "replynice", "niceness `NICE` of the reply")
	}
	fs.StringVar(&s.via, "via", "", "route through `NODE,...` instead of the configured via; - for direct")
	fs.Int64Var(&s.minSize, "minsize", -1, "pad packets to at least `KiB`")
	fs.Int64Var(&s.maxSize, "maxsize", 0, "refuse payloads larger than `KiB`")
	fs.BoolVar(&s.printID, "print-id", false, "print the ids of the queued packets")
	fs.BoolVar(&s.json, "json", false, "with --print-id: print them as a JSON array")
	return s
}

// withExpire adds --expire, for the commands that originate messages.
func (s *sendFlags) withExpire() *sendFlags {
	s.fs.DurationVar(&s.expire, "expire", 0, "give up on the message after `DURATION` without a receipt (default the node's ferry-expire)")
	return s
}

func (s *sendFlags) options(e *localNode, defMinKiB int64) (outbox.Options, error) {
	via, err := e.parseVia(s.via, s.fs.Changed("via"))
	if err != nil {
		return outbox.Options{}, err
	}
	min := defMinKiB
	if s.minSize >= 0 {
		min = s.minSize
	}
	return outbox.Options{Nice: s.nice, MinSize: min * 1024, MaxSize: s.maxSize * 1024, Via: via}, nil
}

func (s *sendFlags) printer(w *output) *idPrinter {
	return &idPrinter{enabled: s.printID, json: s.json, w: w}
}
