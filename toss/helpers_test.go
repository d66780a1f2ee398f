package toss_test

import "github.com/ferry-dtn/ferry/toss/outbox"

func queueDest(l *lab, from, to string) outbox.Dest { return outbox.Dest{Node: l.node(from, to)} }

func fileOpts(nice uint8) outbox.FileOptions {
	return outbox.FileOptions{Options: outbox.Options{Nice: nice}}
}
