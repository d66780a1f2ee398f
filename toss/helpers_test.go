package toss_test

import "ferry/toss/queue"

func queueDest(l *lab, from, to string) queue.Dest { return queue.Dest{Node: l.node(from, to)} }

func fileOpts(nice uint8) queue.FileOptions {
	return queue.FileOptions{Options: queue.Options{Nice: nice}}
}
