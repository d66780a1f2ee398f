package media

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// BundleTx writes our outbound packets for nodes as one tar stream, in
// NNCP's layout: a directory entry NNCP, then NNCP/<recipient>/<sender>/
// <packet>, for each packet. Unlike NNCP 8.8.2 it ends the archive
// properly, so `tar -t` lists it; NNCP's reader accepts both. Packets are
// removed (unless Keep) only after the whole stream was written.
func BundleTx(w io.Writer, sp *spool.Spool, nodes []packet.ID, opt Options) (Stats, error) {
	opt.init()
	var st Stats
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	var sent []spool.Job
	for _, node := range nodes {
		if !opt.wanted(node) {
			continue
		}
		jobs, err := txJobs(sp, node, &st, opt, "bundle")
		if err != nil {
			return st, err
		}
		for _, j := range jobs {
			if j.Nice > opt.Nice {
				continue
			}
			f, err := sp.Open(node, spool.TX, j.ID)
			if err != nil {
				if !os.IsNotExist(err) { // removed meanwhile is fine
					st.Failed++
					opt.Log.Error("bundle: packet not written", "who", "bundle-tx", "node", opt.Name(node), "pkt", j.ID.String(), "err", err)
				}
				continue
			}
			meter := opt.meter(node, j.ID, j.Size)
			err = writeEntry(tw, sp.Self, j, meter.Reader(f))
			_ = f.Close() // read only
			if err != nil {
				return st, fmt.Errorf("bundle: %w", err)
			}
			meter.Finish()
			st.Packets++
			st.Bytes += j.Size
			sent = append(sent, j)
			opt.Log.Info("bundle: packet written", "who", "bundle-tx", "node", opt.Name(node), "pkt", j.ID.String(), "size", j.Size)
		}
	}
	if err := tw.Close(); err != nil {
		return st, fmt.Errorf("bundle: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("bundle: %w", err)
	}
	for _, j := range sent {
		if !opt.Keep {
			if err := sp.Remove(j.Node, spool.TX, j.ID); err != nil {
				st.Failed++
				opt.Log.Error("bundle: packet written, but its queued copy not removed (it goes again next time)", "who", "bundle-tx", "pkt", j.ID.String(), "err", err)
			}
		}
		if err := sp.MarkSent(j.Node, j.ID, "bundle", time.Now()); err != nil {
			opt.Log.Warn("bundle: sent packet not marked in its tracking record", "who", "bundle-tx", "pkt", j.ID.String(), "err", err)
		}
	}
	return st, st.Err()
}

func writeEntry(tw *tar.Writer, self packet.ID, j spool.Job, r io.Reader) error {
	epoch := time.Unix(0, 0)
	if err := tw.WriteHeader(&tar.Header{Name: "NNCP", Typeflag: tar.TypeDir, Mode: 0o700, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	hdr := &tar.Header{
		Name:     "NNCP/" + j.Node.String() + "/" + self.String() + "/" + j.ID.String(),
		Typeflag: tar.TypeReg, Mode: 0o400, Size: j.Size, ModTime: epoch, Format: tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := io.CopyN(tw, r, j.Size)
	return err
}
