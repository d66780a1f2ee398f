// Command scalegen queues many small, real file packets for one node, for
// the million-packet section of `make bench` (BENCH=scale in
// testdata/bench.sh). Each packet is sealed with its own ephemeral key,
// so each has its own name (its MTH); nothing is fsynced and no hdr/
// copies are made, which is the state a listing must rebuild the index
// from. Niceness cycles over a few levels so that listings have an order
// to keep.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

func main() {
	cfgPath := flag.String("cfg", "", "the sender's config")
	node := flag.String("node", "", "the node to queue for")
	n := flag.Int("n", 1000, "packets to queue (at most 2,000,000)")
	workers := flag.Int("workers", 2, "goroutines sealing at once")
	flag.Parse()
	if err := run(*cfgPath, *node, *n, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "scalegen:", err)
		os.Exit(1)
	}
}

func run(cfgPath, nodeName string, n, workers int) error {
	if n < 0 || n > 2_000_000 || workers < 1 || workers > 64 {
		return fmt.Errorf("-n must be 0..2000000 and -workers 1..64")
	}
	c, err := cfg.Load(cfgPath)
	if err != nil {
		return err
	}
	if c.Self == nil {
		return fmt.Errorf("%s: no private keys", cfgPath)
	}
	dst, err := c.FindNode(nodeName)
	if err != nil {
		return err
	}
	sp, err := spool.Open(c.Spool, c.Self.ID, spool.Options{NoSync: true, NoHdr: true})
	if err != nil {
		return err
	}
	me, to := c.Self.Identity(), dst.Peer()
	nices := []uint8{packet.NiceFlash, packet.NicePriority, packet.NiceNormal, packet.NiceBulk}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	t0 := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if err := one(sp, me, to, dst.ID, nices[i%int64(len(nices))], i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("%d packets in %.1f s\n", n, time.Since(t0).Seconds())
	return nil
}

func one(sp *spool.Spool, me *packet.Identity, to packet.Peer, node packet.ID, nice uint8, i int64) error {
	t, err := sp.NewTmp()
	if err != nil {
		return err
	}
	ph := packet.PlainHeader{Type: packet.TypeFile, Nice: nice, Path: []byte("scale/" + strconv.FormatInt(i, 10))}
	pw, err := packet.NewWriter(t, me, to, ph, packet.WriteOptions{Nice: nice})
	if err == nil {
		_, err = pw.Write([]byte("chunk " + strconv.FormatInt(i, 10) + "\n"))
	}
	if err == nil {
		err = pw.Close()
	}
	if err == nil {
		_, err = t.Commit(node, spool.TX)
	}
	if err != nil {
		err = errors.Join(err, t.Abort())
	}
	return err
}
