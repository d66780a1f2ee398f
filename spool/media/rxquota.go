package media

import (
	"errors"

	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
)

// xfer --rx and bundle --rx keep the rx quotas (ferry-quota) as a call
// does: before a packet is copied, its size on the medium (the file's,
// the tar entry's) is checked against what the sender's rx queue and all
// rx queues hold and have promised; one that does not fit is not read
// and stays where it is, for a run after toss drained rx. The commit
// checks again with the size actually read, under the spool's claim, so
// that a call of this process taking packets meanwhile cannot together
// with us pass the quota.

// rxQuota is the quota of sender's rx queue; unset without one.
func (o *Options) rxQuota(sender packet.ID) spool.Quota {
	if o.RxQuota == nil {
		return spool.Quota{}
	}
	return o.RxQuota(sender)
}

// checkRxQuota reports whether a packet of size bytes from sender fits
// its rx quota now: nil when it does, or when there is none; an error
// matching spool.ErrQuotaFull when it does not; another error when the
// queues cannot be counted.
func checkRxQuota(sp *spool.Spool, o *Options, sender packet.ID, size int64) error {
	q := o.rxQuota(sender)
	if !q.Set() {
		return nil
	}
	return sp.CheckQuota(sender, spool.RX, spool.Usage{Bytes: size, Packets: 1}, q)
}

func overQuota(err error) bool { return errors.Is(err, spool.ErrQuotaFull) }
