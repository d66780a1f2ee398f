package spool

// The age pass's work in the incoming directories (age.go): what toss
// leaves there when it is killed.

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool/fsio"
)

// incoming walks the incoming directories for what toss leaves there:
// a delivery proof whose packet is gone from every queue (a toss killed
// after its packet went, before it removed the proof), and a
// temporary file of a writer that died, past the tmp limit. A proof is
// looked at before its packet: it is made while the packet is queued, so
// a packet missing after its proof was seen is gone for good.
func (p *agePass) incoming() {
	tmpLimit := p.limit(packet.ID{}, AgeTmp)
	var nodes []packet.ID
	walked := map[string]bool{}
	for _, dir := range p.o.Incoming {
		if dir == "" || walked[dir] {
			continue
		}
		walked[dir] = true
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == dir {
					return nil
				}
				p.fail(err)
				return nil
			}
			if p.ctx.Err() != nil {
				return filepath.SkipAll
			}
			if !d.Type().IsRegular() {
				return nil
			}
			name := d.Name()
			if key, ok := fsio.ParseDeliveryProof(name); ok {
				pkt, ok := proofPacket(key)
				if !ok {
					return nil
				}
				if nodes == nil {
					if nodes, err = p.s.Nodes(); err != nil {
						p.fail(err)
						return filepath.SkipAll
					}
				}
				if !p.queued(nodes, pkt) {
					p.remove(Removal{Kind: AgeOrphan, Pkt: pkt, Path: path, Reason: "proof of a delivered file whose packet is gone"}, nil)
				}
				return nil
			}
			if tmpLimit > 0 && fsio.IsWriterTemp(name) {
				info, err := d.Info()
				if err != nil {
					return nil
				}
				if age, ok := p.old(info.ModTime(), tmpLimit); ok {
					p.remove(Removal{Kind: AgeTmp, Path: path, Age: age, Reason: p.ageReason(AgeTmp, age, tmpLimit)}, nil)
				}
			}
			return nil
		})
		if err != nil {
			p.fail(err)
		}
	}
}

// proofPacket reads the packet id a delivery proof's key starts with
// (an area message's key is PKT.AREA).
func proofPacket(key string) (packet.ID, bool) {
	first, rest, _ := strings.Cut(key, ".")
	if rest != "" {
		if _, ok := idName(rest); !ok {
			return packet.ID{}, false
		}
	}
	return idName(first)
}

// queued reports whether pkt is in any node's rx or tx queue.
func (p *agePass) queued(nodes []packet.ID, pkt packet.ID) bool {
	for _, n := range nodes {
		if p.s.Has(n, RX, pkt) || p.s.Has(n, TX, pkt) {
			return true
		}
	}
	return false
}
